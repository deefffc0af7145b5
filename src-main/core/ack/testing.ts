import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../app';
import { FakeClock } from '../clock';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { until } from '../notify/testing';
import type { Message } from '../notify';
import type { IntakeEvent, Router } from '../router';
import { alertEvent } from '../router/testing';

/**
 * Test support for acknowledgements and escalation: a whole core (router,
 * outbox, acks) on a real SQLite file in a temp dir with a FakeClock, which
 * can be stopped and started again on the same file (a restart).
 */
export interface AckBed {
  core: Core;
  router: Router;
  clock: FakeClock;
  dir: string;
  /** Desktop notifications shown, in order. */
  notices: Array<{ title: string; body: string }>;
  send(o?: Partial<IntakeEvent>): Promise<string>;
  call<T = unknown>(method: string, input: unknown): Promise<T>;
  /** The outcome and trace of a stored event. */
  event(id: string): Promise<{ outcome: string; trace: Array<{ stage: string; result: string; detail: string }> }>;
  /** Every queued notification delivered (before moving the FakeClock past a send's timeout). */
  delivered(): Promise<void>;
  /** Stop this core (graceful) and start a new one on the same data dir, at `at`. */
  restart(at: number): Promise<AckBed>;
  /** Stop the core; remove the temp dir unless `remove` is false. */
  close(remove?: boolean): Promise<void>;
}

export const T0 = Date.UTC(2026, 0, 5, 12, 0);

export async function ackBed(yaml: string, opts: { dir?: string; at?: number; secrets?: Record<string, string> } = {}): Promise<AckBed> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'vigil-ack-'));
  const clock = new FakeClock(opts.at ?? T0);
  const secrets = opts.secrets ?? {};
  const core = createCore({
    config: parseConfig(yaml),
    dataDir: dir,
    clock,
    log: createLogger(null),
    secrets: { get: (n) => secrets[n], names: () => Object.keys(secrets) },
  });
  await core.start();
  const router = core.areas.router;
  const notices: AckBed['notices'] = [];
  core.ctx.bus.subscribe('notice', (n) => void notices.push({ title: n.title, body: n.body }));
  let closed = false;
  const bed: AckBed = {
    core,
    router,
    clock,
    dir,
    notices,
    async send(o = {}) {
      const [id] = router.ingest([alertEvent(o)], 'test');
      await router.drain();
      return id!;
    },
    async call<T>(method: string, input: unknown) {
      const r = await core.dispatch(method, input);
      if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.code}: ${r.error.message}`), { code: r.error.code });
      return r.value as T;
    },
    async event(id) {
      return bed.call('events.get', { id });
    },
    async delivered() {
      const busy = core.areas.db.prepare(`SELECT count(*) AS n FROM outbox WHERE state IN ('pending', 'sending')`);
      await until(() => (busy.get() as { n: number }).n === 0, 'the outbox to deliver everything');
    },
    async restart(at) {
      await bed.close(false);
      return ackBed(yaml, { dir, at, secrets });
    },
    async close(remove = true) {
      if (!closed) await core.stop();
      closed = true;
      if (remove && !opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return bed;
}

export const MIN = 60_000;

/** The message bodies a webhook receiver was sent, by kind. */
export const kinds = (delivered: Array<{ body: { message: { kind: string } } }>, kind: string) =>
  delivered.filter((d) => d.body.message.kind === kind).map((d) => d.body.message as unknown as Message);
