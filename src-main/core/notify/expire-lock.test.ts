import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildChannels } from '../channels';
import { createOutbox } from './outbox';
import { useWebhookBed } from './webhook-bed';
import { alert, notifyTestBed, settle, until } from './testing';
import { holdWriteLock } from '../store/testing';

const rx = useWebhookBed();

describe('expiring the outbox beside a decider thread (R-SCALE-18)', () => {
  it('R-SCALE-18: a message due to retry and to expire while another thread holds the write lock past 5 s expires after it, the event loop running meanwhile and the worker not failing', async () => {
    const bed = notifyTestBed({ channels: [{ name: 'hook', type: 'webhook', url: rx.hook.url }], outbox: { expireAfter: '1h' } });
    rx.beds.push(bed);
    bed.ctx.stores.writeGate.mode = 'announce'; // the main thread beside a decider thread
    const reports: string[] = [];
    const outbox = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => null }), {
      onFailure: (what, err) => reports.push(`${what}: ${err.message}`),
      onRecovery: () => undefined,
    });
    rx.outboxes.push(outbox);
    const state = (key: string) => outbox.store.list({ channel: 'hook', limit: 10 }).find((r) => r.key === key)?.state;
    outbox.start();
    await rx.hook.goDown();
    bed.db.transaction(() => outbox.writer.enqueue('hook', alert('old'), 'k-old'))();
    await until(() => (outbox.store.list({ channel: 'hook', limit: 10 })[0]?.attempts ?? 0) >= 1, 'head failed once');

    const { released } = await holdWriteLock(join(bed.dir, 'vigil.db'), 6_500, 'UPDATE inbox_cursor SET decided = decided');
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      bed.clock.advance(61 * 60_000); // its hour is up: the worker expires it at its next step
      await settle(5);
      await released;
      // Nominally ~650 ticks in 6.5 s; an UPDATE waiting in SQLite's busy handler held the loop (and failed at 5 s).
      expect(ticks).toBeGreaterThan(100);
    } finally {
      clearInterval(ticker);
    }
    await settle(50);
    await until(() => state('k-old') === 'expired', 'expired once the lock was free');
    expect(reports.filter((r) => r.startsWith('outbox worker'))).toEqual([]);
    expect(reports.some((r) => r.startsWith('channel hook (expired messages)'))).toBe(true);
  }, 60_000);
});
