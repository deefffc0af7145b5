import { afterEach, describe, expect, it } from 'vitest';
import type { ToMain } from '../context';
import { createRouter } from './router';
import { alertEvent, recordingOutbox, testContext, type TestContext } from './testing';
import type { RunStage } from './pipeline';
import { inboxText } from './group-commit';
import { join } from 'node:path';
import { openDatabase, sqliteStores, writeGate } from '../store';
import { PATIENT } from './inbox';

/**
 * The deciding transaction's size on the decider thread (router/inbox.ts): nothing waits for that thread but the
 * write lock, so a backlog is decided in few, large commits, and a write the main thread announces at the gate
 * ends the transaction after the inbox batch in progress.
 */
let h: TestContext | null = null;
afterEach(() => {
  h?.close();
  h = null;
});

/** A router in the decider role (ctx.toMain set, as on the decider thread) recording the seqs each commit reports. */
function deciderBed(slow: RunStage) {
  h = testContext({ yaml: 'channels: [{ name: desktop, type: desktop }]' });
  const commits: number[][] = [];
  const onCommit: Array<() => void> = [];
  const toMain: ToMain = {
    kickChannel: () => undefined,
    kickEscalator: () => undefined,
    propose: () => undefined,
    followUp: () => undefined,
    decided: (seqs) => {
      commits.push(seqs);
      for (const f of onCommit.splice(0)) f();
    },
    count: () => undefined,
    synced: () => undefined,
    failing: () => undefined,
  };
  h.ctx.toMain = toMain;
  const router = createRouter(h.ctx, { outbox: recordingOutbox(h.db), extraStages: [{ before: 'dedupe', stage: slow }] });
  const ctx = h.ctx;
  /** Batches appended by "another thread" (read back from the inbox, as the decider does), then decided through the last. */
  const backlog = async (batches: number, perBatch: number): Promise<number[]> => {
    const seqs: number[] = [];
    for (let b = 0; b < batches; b++) {
      const recs = router.prepare(
        Array.from({ length: perBatch }, (_, i) =>
          alertEvent({ fingerprint: `fp-${b}-${i}`, labels: { alertname: `A${b}`, instance: `h${i}` } }),
        ),
        'test',
      );
      seqs.push(ctx.stores.inbox.appendText(ctx.clock.now(), 'test', recs.length, inboxText([recs])));
    }
    router.pull(seqs[seqs.length - 1]!);
    await router.drain();
    return seqs;
  };
  return { router, commits, onCommit, backlog, gate: ctx.stores.writeGate };
}

/** Busy for `ms` (deciding that takes time, as a storm's does). */
const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('deciding transactions on the decider thread', () => {
  it('R-SCALE-16: a backlog that takes longer than an inline slice (20 ms) to decide commits once, every batch reported decided together', async () => {
    // 6 batches of 5 events at ~1 ms an event: ~30 ms of deciding, one transaction (inline it would commit at least twice).
    const bed = deciderBed({ name: 'slow', always: true, run: () => spin(1) });
    const seqs = await bed.backlog(6, 5);
    expect(bed.commits).toEqual([seqs]);
    expect((h!.db.prepare('SELECT count(*) AS n FROM events WHERE processed = 1').get() as { n: number }).n).toBe(30);
  });

  it('R-SCALE-12, R-SCALE-16: a write announced at the gate ends the deciding transaction after the inbox batch in progress', async () => {
    let decidedEvents = 0;
    let cell: Int32Array | null = null;
    const bed = deciderBed({
      name: 'announce',
      always: true,
      run: () => {
        // While the third batch is decided, the main thread announces a write (as Stores.transaction does in 'announce' mode).
        if (++decidedEvents === 11) Atomics.add(cell!, 0, 1);
      },
    });
    cell = new Int32Array(bed.gate.sab);
    // The main thread's write goes in between the two commits: it is done once the first one is reported.
    bed.onCommit.push(() => Atomics.sub(cell!, 0, 1));
    const seqs = await bed.backlog(6, 5);
    expect(bed.commits).toEqual([seqs.slice(0, 3), seqs.slice(3)]);
    expect(bed.gate.announced()).toBe(false);
  });

  it('R-SCALE-24: a write the main thread waits for between turns of its event loop ends the deciding transaction only once it holds 1,000 events', async () => {
    // 20 here, not 1,000: on a loaded machine 1,000 events could outlast the 500 ms slice, which ends a transaction too.
    const patient = PATIENT.events;
    PATIENT.events = 20;
    // The main thread's outbox claim (transactionSoon on its own connection, the gate in 'announce' mode) finds the
    // lock held while the third batch is decided: it waits, announced, and commits after the deciding transaction.
    let decidedEvents = 0;
    let waiting: unknown = null;
    const bed = deciderBed({
      name: 'claim',
      always: true,
      run: () => {
        if (++decidedEvents !== 11) return;
        const stores = sqliteStores(mainDb!, null, writeGate(bed.gate.sab), false);
        stores.writeGate.mode = 'announce';
        waiting = stores.transactionSoon(() => mainDb!.prepare('UPDATE inbox_cursor SET synced = synced').run());
      },
    });
    const mainDb = openDatabase(join(h!.dir, 'vigil.db')).db;
    try {
      // 6 batches of 5, the write announced during the third: the first transaction goes on until it holds 20 events.
      const seqs = await bed.backlog(6, 5);
      expect(waiting).toBeInstanceOf(Promise);
      await waiting;
      expect(bed.commits).toEqual([seqs.slice(0, 4), seqs.slice(4)]);
      expect(bed.gate.announced()).toBe(false);
    } finally {
      PATIENT.events = patient;
      mainDb.close();
    }
  });
});
