import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../e2e/fixtures/webhook-receiver';
import { buildChannels } from '../channels';
import { createOutbox } from './outbox';
import { useWebhookBed } from './webhook-bed';
import { alert, notifyTestBed, settle, until } from './testing';

/** A webhook sends several messages at once (R-NOTIFY-11) over a real HTTP receiver; settles are batched. */
const rx = useWebhookBed();

function setup(
  bed = notifyTestBed({ channels: [{ name: 'hook', type: 'webhook', url: rx.hook.url, digest: 0 }], outbox: { maxBackoff: '60s' } }),
) {
  rx.beds.push(bed);
  const reports: string[] = [];
  const outbox = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => null }), { onFailure: (what) => reports.push(what) });
  rx.outboxes.push(outbox);
  /** Incident `i`'s message: its first alert, or an update of the incident (the router's group update has no fingerprint). */
  const msg = (i: string, kind: 'first' | 'update') =>
    alert(`${i} ${kind}`, { thread: { key: `incident-${i}` }, fingerprint: kind === 'first' ? `fp-${i}` : null });
  const enqueue = (list: Array<[string, 'first' | 'update']>) =>
    bed.db.transaction(() => list.forEach(([i, kind]) => outbox.writer.enqueue('hook', msg(i, kind), `${i}-${kind}`)))();
  const state = (key: string) => outbox.store.list({ channel: 'hook', limit: 500 }).find((r) => r.key === key);
  const requested = () => rx.hook.requests.map((d) => d.key);
  return { bed, outbox, reports, enqueue, state, requested };
}

/** Every incident's update reached the receiver only after its first message had been accepted. */
function threadOrderKept(delivered: readonly Delivery[], requests: readonly Delivery[], incidents: string[]): void {
  for (const i of incidents) {
    const firstOkAt = requests.indexOf(delivered.find((d) => d.key === `${i}-first`)!);
    const updateAt = requests.findIndex((d) => d.key === `${i}-update`);
    expect(firstOkAt, `${i} first delivered`).toBeGreaterThanOrEqual(0);
    expect(updateAt, `${i} update after its first`).toBeGreaterThan(firstOkAt);
  }
}

describe('a webhook with several messages in flight (R-NOTIFY-11)', () => {
  it('R-NOTIFY-11: 8 sends in flight at once over real HTTP, never more; an incident’s update waits for its first message', async () => {
    const { outbox, enqueue, requested } = setup();
    const incidents = Array.from({ length: 12 }, (_, i) => `i${i + 1}`);
    // The storm's shape: every incident's first message, then every update.
    enqueue([...incidents.map((i) => [i, 'first'] as [string, 'first']), ...incidents.map((i) => [i, 'update'] as [string, 'update'])]);
    rx.hook.answer(() => 'hold');
    outbox.start();
    await until(() => rx.hook.holding() === 8, 'eight requests in flight');
    await settle(100);
    expect(rx.hook.holding()).toBe(8); // bounded: the ninth waits for a free slot
    expect(requested()).toEqual(incidents.slice(0, 8).map((i) => `${i}-first`));
    rx.hook.answer(null);
    rx.hook.releaseHeld(200);
    await until(() => outbox.health()[0]?.backlog === 0, 'all delivered');
    expect(new Set(rx.hook.shown.map((d) => d.key)).size).toBe(24);
    expect(rx.hook.delivered).toHaveLength(24); // none twice
    threadOrderKept(rx.hook.delivered, rx.hook.requests, incidents);
  });

  it('R-NOTIFY-11/2: a first message that fails holds back its incident’s update; others already in flight are settled as sent', async () => {
    const { bed, outbox, enqueue, state, requested } = setup();
    let refused = 0;
    // The receiver answers 503 to x1's first message the first time.
    rx.hook.answer((d) => (d.key === 'x1-first' && refused++ === 0 ? { status: 503 } : { status: 200 }));
    enqueue([
      ['x1', 'first'],
      ['x2', 'first'],
      ['x1', 'update'],
      ['x2', 'update'],
    ]);
    outbox.start();
    await until(() => state('x1-first')?.attempts === 1, 'x1 first failed once');
    expect(state('x2-first')?.state).toBe('sent');
    // Not attempted while the incident's first message is owed; the head blocks the queue.
    expect(requested()).not.toContain('x1-update');
    expect(state('x1-update')).toMatchObject({ state: 'pending', attempts: 0 });
    bed.clock.advance(state('x1-first')!.nextAttemptAt - bed.clock.now());
    await until(() => outbox.health()[0]?.backlog === 0, 'all delivered');
    threadOrderKept(rx.hook.delivered, rx.hook.requests, ['x1', 'x2']);
    expect(rx.hook.delivered.map((d) => d.key).sort()).toEqual(['x1-first', 'x1-update', 'x2-first', 'x2-update']);
  });

  it('R-NOTIFY-3: a crash with a window of sends in flight — after a restart each is sent again with its key and shown once', async () => {
    const a = setup();
    const incidents = Array.from({ length: 10 }, (_, i) => `c${i + 1}`);
    a.enqueue(incidents.map((i) => [i, 'first']));
    rx.hook.answer(() => 'hold');
    a.outbox.start();
    await until(() => rx.hook.holding() === 8, 'a full window in flight');
    // The process dies with eight sends in flight; the receiver had in fact taken them.
    a.bed.db.close();
    rx.hook.releaseHeld(200);
    await settle();
    rx.hook.answer(null);
    const b = setup(a.bed.reopen());
    // The whole batch was claimed (eight sent, two waiting for a slot): all go again.
    expect(incidents.map((i) => b.state(`${i}-first`)?.state)).toEqual(Array(10).fill('sending'));
    b.outbox.start();
    await until(() => b.outbox.health()[0]?.backlog === 0, 'all delivered after the restart');
    expect(incidents.map((i) => b.state(`${i}-first`)?.state)).toEqual(Array(10).fill('sent'));
    expect(rx.hook.shown.map((d) => d.key).sort()).toEqual(incidents.map((i) => `${i}-first`).sort()); // shown once
    expect(rx.hook.delivered).toHaveLength(18); // the eight in flight twice: at least once
  });

  it('R-NOTIFY-3: a batch whose settling transaction fails leaves its rows retryable: sent again with their keys, none marked sent unsent', async () => {
    const { bed, outbox, reports, enqueue, state } = setup();
    const incidents = ['b1', 'b2', 'b3', 'b4', 'b5'];
    // A real SQLite failure while recording b3 as sent: the whole batch's transaction rolls back.
    bed.db.exec(
      `CREATE TEMP TRIGGER no_sent BEFORE UPDATE OF state ON outbox WHEN NEW.state = 'sent' AND OLD.idem_key = 'b3-first' BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`,
    );
    enqueue(incidents.map((i) => [i, 'first']));
    outbox.start();
    await until(() => reports.length === 1, 'failure reported');
    expect(reports).toEqual(['outbox worker for channel hook']);
    // The receiver has them all; the database marks none sent and strands none in `sending`.
    expect(new Set(rx.hook.delivered.map((d) => d.key))).toEqual(new Set(incidents.map((i) => `${i}-first`)));
    expect(incidents.map((i) => state(`${i}-first`)?.state)).toEqual(Array(5).fill('pending'));
    bed.db.exec('DROP TRIGGER no_sent');
    bed.clock.advance(5_000); // the worker retries after a pause
    await until(() => outbox.health()[0]?.backlog === 0, 'all delivered');
    expect(incidents.map((i) => state(`${i}-first`)?.state)).toEqual(Array(5).fill('sent'));
    expect(rx.hook.delivered).toHaveLength(10); // at least once: each twice, with its key
    expect(rx.hook.shown).toHaveLength(5); // shown once
  });
});
