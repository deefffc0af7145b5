import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../clock';
import type { OutboxWriter } from '../notify';
import { recordingOutbox, testContext, type TestContext } from '../router/testing';
import { sqliteAckStore, sqliteAlertStateStore, sqliteEscalationStore } from '../store';
import { createEscalator } from './escalator';

let t: TestContext;
afterEach(() => t.close());

/** One firing critical alert with a two-channel step due in 10 min, armed directly in the store. */
const reported: string[] = [];
function setup(writer: (inner: OutboxWriter) => OutboxWriter, clock?: Clock) {
  reported.length = 0;
  t = testContext({ yaml: 'channels: [{ name: desktop, type: desktop }, { name: a, type: desktop }, { name: b, type: desktop }]' });
  const now = t.clock.now();
  const states = sqliteAlertStateStore(t.db);
  states.put({
    fingerprint: 'fp1',
    source: 'api',
    severity: 'critical',
    status: 'firing',
    summary: 'Disk full',
    labels: { alertname: 'DiskFull' },
    firstSeen: now,
    lastSeen: now,
    lastEventId: 'ev1',
    count: 1,
    notifiedStatus: 'firing',
    notifiedAt: now,
  });
  const escalations = sqliteEscalationStore(t.db);
  escalations.arm([
    {
      fingerprint: 'fp1',
      episode: now,
      step: 1,
      steps: 1,
      afterMs: 600_000,
      channels: ['a', 'b'],
      eventId: 'ev1',
      notifiedChannels: ['desktop'],
      notifiedAt: now,
      dueAt: now + 600_000,
    },
  ]);
  const outbox = recordingOutbox(t.db);
  const esc = createEscalator(clock ? { ...t.ctx, clock } : t.ctx, {
    acks: sqliteAckStore(t.db),
    escalations,
    outbox: writer(outbox),
    stateOf: (fp) => states.get(fp),
    silencedBy: () => null,
    onFailure: (what, e) => void reported.push(`${what}: ${e.message}`),
    onRecovery: (what) => void reported.push(`${what} recovered`),
  });
  return { esc, escalations, outbox };
}

describe('escalation scheduler', () => {
  it('R-NOTIFY-5: firing a step is one transaction — if queueing for one channel fails, nothing is queued and the step stays armed, then fires once', async () => {
    let failB = true;
    const { esc, escalations, outbox } = setup((inner) => ({
      enqueue(ch, m, key) {
        inner.enqueue(ch, m, key);
        if (ch === 'b' && failB) throw new Error('disk I/O error');
      },
    }));
    esc.start();
    t.clock.advance(600_000);
    expect(outbox.sent()).toEqual([]); // channel a's row was rolled back with the failure
    expect(escalations.latest('fp1')[0]).toMatchObject({ state: 'armed', firedAt: null });
    t.clock.advance(15_000); // three more failed attempts: still one failure report (R-ROUTE-1, no flood)
    expect(reported).toEqual(['escalation scheduler: disk I/O error']);

    failB = false;
    t.clock.advance(5_000); // the scheduler retries
    expect(outbox.sent().map((s) => [s.channel, s.key])).toEqual([
      ['a', expect.stringMatching(/^escalation:\d+:a$/)],
      ['b', expect.stringMatching(/^escalation:\d+:b$/)],
    ]);
    expect(escalations.latest('fp1')[0]).toMatchObject({ state: 'fired', late: false });
    expect(reported).toEqual(['escalation scheduler: disk I/O error', 'escalation scheduler recovered']);
    t.clock.advance(3_600_000);
    esc.runDue();
    expect(outbox.sent()).toHaveLength(2);
    esc.stop();
  });

  it('R-NOTIFY-5: a step due while the machine slept fires at once on wake, marked late with how long', () => {
    // Wall time jumps while no timer runs (a laptop lid closed): timers are monotonic, the clock's now() is not.
    let slept = 0;
    const clock: Clock = {
      now: () => t.clock.now() + slept,
      setTimeout: (fn, ms) => t.clock.setTimeout(fn, ms),
      setInterval: (fn, ms) => t.clock.setInterval(fn, ms),
    };
    const { esc, escalations, outbox } = setup((w) => w, clock);
    esc.start();
    slept = 40 * 60_000;
    t.clock.advance(30_000); // the first timer to run after waking up
    expect(outbox.sent()).toHaveLength(2);
    expect(escalations.latest('fp1')[0]).toMatchObject({
      state: 'fired',
      late: true,
      lateReason: 'Vigil was suspended or busy for 31 min',
    });
    expect(outbox.sent()[0]!.message.body).toMatch(/Fired late: Vigil was suspended or busy for 31 min when this step fell due/);
    esc.stop();
  });
});
