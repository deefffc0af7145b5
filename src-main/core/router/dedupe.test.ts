import { afterEach, describe, expect, it } from 'vitest';
import { createRouter, type IntakeEvent } from './router';
import { alertEvent, recordingOutbox, testContext, type TestContext } from './testing';

const MIN = 60_000;
let h: TestContext;
afterEach(() => h?.close());

function setup(yaml = 'router: { cooldown: 5m, repeatInterval: 4h }') {
  h = testContext({ yaml });
  const outbox = recordingOutbox(h.db);
  const router = createRouter(h.ctx, { outbox });
  const send = async (o: Partial<IntakeEvent> = {}) => {
    const [id] = router.ingest([alertEvent(o)], 'test');
    await router.drain();
    return router.events.get(id!)!;
  };
  return { router, outbox, send };
}

describe('dedupe (R-ROUTE-3)', () => {
  it('R-ROUTE-3: a repeat inside the cooldown is counted, not notified', async () => {
    const { router, outbox, send } = setup();
    expect((await send()).outcome).toBe('notified');
    h.clock.advance(1 * MIN);
    const repeat = await send();
    expect(repeat.outcome).toBe('deduped');
    expect(repeat.trace.at(-1)!.detail).toMatch(/inside the cooldown/);
    expect(router.states.get('fp-disk-web1')!.count).toBe(2);
    expect(outbox.sent()).toHaveLength(1);
  });

  it('R-ROUTE-3: a still-firing alert notifies again only after the repeat interval', async () => {
    const { outbox, send } = setup();
    await send();
    h.clock.advance(30 * MIN);
    const mid = await send();
    expect(mid.outcome).toBe('deduped');
    expect(mid.trace.at(-1)!.detail).toMatch(/still firing/);
    h.clock.advance(3 * 60 * MIN + 31 * MIN); // 4h01m after the first notification
    const again = await send();
    expect(again.outcome).toBe('notified');
    expect(again.trace.find((t) => t.stage === 'dedupe')!.detail).toMatch(/repeat interval/);
    expect(outbox.sent().map((s) => s.message.kind)).toEqual(['alert', 'alert']);
  });

  it('R-ROUTE-3: resolved notifies once', async () => {
    const { outbox, send } = setup();
    await send();
    h.clock.advance(MIN);
    expect((await send({ status: 'resolved' })).outcome).toBe('notified');
    h.clock.advance(MIN);
    const second = await send({ status: 'resolved' });
    expect(second.outcome).toBe('deduped');
    expect(second.trace.at(-1)!.detail).toMatch(/already notified/);
    expect(outbox.sent().map((s) => [s.message.kind, s.message.title])).toEqual([
      ['alert', 'CRITICAL: Disk almost full on web1'],
      ['resolved', 'RESOLVED: Disk almost full on web1'],
    ]);
  });

  it('R-ROUTE-3: a resolve of a firing that was never notified sends nothing', async () => {
    const { outbox, send } = setup();
    await send({ severity: 'info' }); // stored, not notified (R-NOISE-4)
    expect((await send({ status: 'resolved', severity: 'info' })).outcome).toBe('deduped');
    expect(outbox.sent()).toHaveLength(0);
  });

  it('R-ROUTE-3: firing again after a resolve, or a rise in severity, is news and notifies', async () => {
    const { outbox, send } = setup();
    await send({ severity: 'warning' });
    h.clock.advance(MIN);
    expect((await send({ severity: 'critical' })).outcome).toBe('notified');
    await send({ status: 'resolved' });
    h.clock.advance(MIN);
    const back = await send();
    expect(back.outcome).toBe('notified');
    expect(outbox.sent().map((s) => s.message.kind)).toEqual(['alert', 'alert', 'resolved', 'alert']);
  });

  it('R-ROUTE-3: counters are per fingerprint', async () => {
    const { outbox, send } = setup();
    await send();
    await send({ fingerprint: 'other', labels: { alertname: 'DiskFull', instance: 'web2' } });
    await send();
    expect(outbox.sent()).toHaveLength(2);
  });
});
