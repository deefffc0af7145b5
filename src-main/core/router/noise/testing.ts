import { createRouter, type IntakeEvent } from '../router';
import type { ExtraStage } from '../pipeline';
import { alertEvent, recordingOutbox, testContext, type TestContext } from '../testing';
import { createNoise } from './index';

/** The noise stages' test bed, shared by noise-*.test.ts: call closeBeds() after each test. */
const ctxs: TestContext[] = [];
export const closeBeds = (): void => ctxs.splice(0).forEach((c) => c.close());

const YAML = `
router: { groupWindow: 30s, flapThreshold: 4, flapWindow: 5m, burstThreshold: 20, burstWindow: 60s }
channels:
  - { name: desktop, type: desktop }
  - { name: pager, type: webhook, url: "http://127.0.0.1:9/pager" }
routes:
  - { match: { severity: critical }, channels: [pager], continue: true }
  - { match: { team: db }, channels: [desktop], groupBy: [alertname, cluster] }
  - { channels: [desktop] }
`;

/** A router with the noise stages on a real SQLite file and a FakeClock. */
export function bed(opts: { dir?: string; extraStages?: ExtraStage[] } = {}) {
  const h = testContext({ yaml: YAML, dir: opts.dir });
  ctxs.push(h);
  const outbox = recordingOutbox(h.db);
  const router = createRouter(h.ctx, { outbox, extraStages: opts.extraStages });
  const noise = createNoise(h.ctx, outbox, router);
  const send = async (...evs: IntakeEvent[]) => {
    const ids = router.ingest(evs, 'test');
    await router.drain();
    return ids;
  };
  const sent = () => outbox.sent().map((s) => s.message);
  return { h, router, noise, send, sent, outbox };
}

/** The same data dir after a crash (the book's timer stopped, the connection closed), its clock where it was. */
export function restarted(first: ReturnType<typeof bed>): ReturnType<typeof bed> {
  const at = first.h.clock.now();
  first.noise.book.stop();
  first.h.db.close();
  ctxs.splice(ctxs.indexOf(first.h), 1);
  const again = bed({ dir: first.h.dir });
  ctxs.push(first.h);
  again.h.clock.set(at);
  return again;
}

export const fire = (alertname: string, host: string, o: Partial<IntakeEvent> = {}): IntakeEvent =>
  alertEvent({
    fingerprint: `${alertname}/${host}`,
    summary: `${alertname} on ${host}`,
    labels: { alertname, instance: host },
    severity: 'warning',
    ...o,
  });
export const resolve = (alertname: string, host: string, o: Partial<IntakeEvent> = {}): IntakeEvent =>
  fire(alertname, host, { status: 'resolved', ...o });
export const hosts = (n: number, prefix = 'web') => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);
export const outcomes = (b: ReturnType<typeof bed>, ids: string[]) => ids.map((id) => b.router.events.get(id)!.outcome);
export const heldBy = (b: ReturnType<typeof bed>, id: string) => b.router.events.get(id)!.trace.filter((t) => t.result === 'held');
