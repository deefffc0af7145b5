import type { CoreContext } from '../context';
import type { EventRecord, ProcessedUpdate, WriteGate } from '../store';
import { afterCommit, decideBatch, type Decided, type DeciderDeps } from './decide';
import type { FailureRun } from './failure';
import { bodyEvents } from './inbox-bodies';
import { fresh } from './records';

/** Events per processing transaction for the inbox backlog: few commits in a storm, /health still served between batches. */
const BATCH = 2_000;
/**
 * Wall time one processing transaction may take before it commits and lets /health and the console in (ms).
 * Whole work items only (an HTTP batch commits with its events), so one large item may run over.
 */
const SLICE_MS = 20;
/**
 * On the decider thread nothing waits for this thread but the write lock: a transaction takes up to BATCH events (at
 * most this long, ms: its report tells the main thread what to send) and commits after the batch in progress as soon
 * as the main thread announces a write at the gate (R-SCALE-12), so a main-thread write still waits for about one
 * inbox batch. Fewer, larger commits write a storm's hot index pages to the WAL once per commit instead of once per
 * 20 ms, which under load held fewer events (WAL pages an alert, 30,000 first deliveries at load ~11: 1.81 at 20 ms,
 * 1.02 at 200 ms, 0.84 at 500 ms).
 */
const WORKER_SLICE_MS = 500;
/**
 * On the decider thread, a write announced by a thread it does not hold (the main thread's `transactionSoon`: the
 * outbox's claims and settles; the sender thread's) ends the deciding transaction only once it holds this many
 * events (or its slice is up): a storm's sends ended 83 of `bench router` round 0's 95 transactions (~300 events
 * each), and every commit writes the hot pages of the fingerprint-keyed indexes again (in-process, 300 events a
 * transaction cost the decider 140-166 µs an alert, 23-26 of them system time, against 129-151 and 15-16 at
 * 1,000-2,000). A write that holds the main thread (`urgent`) still ends it after the inbox batch in progress
 * (R-SCALE-12, R-SCALE-24).
 */
export const PATIENT = { events: 1_000 }; // an object: a test sets fewer, so its backlog stays inside one slice under load
/** Inbox batches looked at per processing transaction (seq and size only; BATCH and SLICE_MS decide how many are taken). */
const LOOK_AHEAD = 256;
/** Most time between a deciding commit and the fsynced commit that lets its inbox rows be deleted (settleInbox). */
const SETTLE_MS = 500;

export type InboxPass = ReturnType<typeof createInboxPass>;

/** Whether an announced write ends the deciding transaction now (n events decided in it so far). */
const ended = (gate: WriteGate | null, n: number): boolean => !!gate && (gate.urgent() || (n >= PATIENT.events && gate.announced()));

/**
 * The inbox pass: decides what waits in the durable inbox, batch by batch in seq order, each processing
 * transaction recording the last decided seq (the cursor) in vigil.db, and deletes inbox rows once their
 * decision is on the disk. When it runs is the router's schedule (schedule.ts).
 */
export function createInboxPass(ctx: CoreContext, deps: DeciderDeps, failure: FailureRun) {
  const { events, inbox } = ctx.stores;
  /**
   * Work waiting for the pipeline. The inbox is the queue: every batch after `cursor` (the last decided seq, as
   * committed in vigil.db) is decided next, in seq order, whichever thread appended it — so "decided through
   * seq N" is one number. `known` holds the records this thread built for its own appends (not read back);
   * `appended` is the highest seq known to be in the inbox. `legacy`: start-up only, what an older version left
   * (its intake_batches rows of vigil.db: `seq`; events rows stored with processed = 0: null), decided first.
   */
  let cursor = inbox.decidedThrough();
  let appended = cursor;
  const known = new Map<number, EventRecord[]>();
  const legacy: Array<{ seq: number | null; recs: EventRecord[] }> = [];
  const hasWork = () => legacy.length > 0 || appended > cursor;
  /** Acknowledged batch events not yet written, by id: events.get answers them as queued. */
  const waiting = new Map<string, EventRecord>();
  /**
   * The router's memory of rows written inside a processing transaction (the noise book), dropped when it rolls back.
   * The stores' own caches (alert states, open incidents' members) forget theirs at any rollback (store/tx-scope.ts).
   */
  const rollbackHooks: Array<() => void> = [];

  function guarded<T>(fn: () => T, mode?: 'replayable'): T {
    try {
      return ctx.stores.transaction(fn, mode);
    } catch (e) {
      for (const hook of rollbackHooks) hook();
      throw e;
    }
  }

  const write = (ev: EventRecord, upd: ProcessedUpdate) => {
    if (ev.seq) events.markProcessed(ev.seq, upd);
    else ev.seq = events.insertDecided(ev, upd);
  };

  /**
   * Decide the next inbox batches (whole batches, up to ~BATCH events) in one transaction that also records the
   * last one's seq as decided (vigil.db), so a crash leaves each batch either after the recorded seq (replayed)
   * or fully processed — never both (no duplicate events or notifications). Returns the events decided.
   */
  function processBatch(): number {
    if (legacy.length) return processLegacy();
    const t0 = performance.now();
    const [slice, gate] = ctx.toMain ? [WORKER_SLICE_MS, ctx.stores.writeGate] : [SLICE_MS, null];
    const next = inbox.after(cursor, LOOK_AHEAD);
    if (!next.length) {
      appended = cursor; // nothing after the cursor after all (rows deleted under us)
      return 0;
    }
    const taken: Array<{ seq: number; recs: EventRecord[] }> = [];
    let done: Decided[];
    try {
      done = guarded(() => {
        // Batch by batch until the slice is used up: inline, a storm's backlog commits every ~SLICE_MS instead of
        // holding the thread for BATCH events (2 s under load), so /health waits at most about one slice.
        const d: Decided[] = [];
        let n = 0;
        for (const b of next) {
          if (taken.length && (n + b.n > BATCH || performance.now() - t0 >= slice || ended(gate, n))) break;
          const recs = known.get(b.seq) ?? (inbox.events(b.seq, bodyEvents) ?? []).map(fresh);
          taken.push({ seq: b.seq, recs });
          for (const x of decideBatch(deps, recs, write)) d.push(x);
          n += recs.length;
        }
        inbox.decided(taken[taken.length - 1]!.seq);
        return d;
        // Replayable: every batch is already durable (an fsynced inbox row) and stays there until a later fsynced
        // commit covers this one (settleInbox), so it need not wait for its own fsync.
      }, 'replayable');
    } catch (e) {
      for (const t of taken) for (const r of t.recs) r.seq = 0; // rolled back: not inserted
      throw e;
    }
    failure.cleared();
    cursor = taken[taken.length - 1]!.seq;
    if (appended < cursor) appended = cursor;
    let n = 0;
    for (const t of taken) {
      known.delete(t.seq);
      for (const r of t.recs) waiting.delete(r.id);
      n += t.recs.length;
    }
    const m = afterCommit(deps, done);
    ctx.toMain?.decided(
      taken.map((t) => t.seq),
      m,
    );
    settleSoon();
    return n;
  }

  /** Start-up only: one item an older version left, decided in the transaction that deletes (or marks) it. */
  function processLegacy(): number {
    const w = legacy[0]!;
    let done: Decided[];
    try {
      done = guarded(() => {
        const d = decideBatch(deps, w.recs, write);
        if (w.seq !== null) inbox.finishLegacy(w.seq);
        return d;
      }, 'replayable');
    } catch (e) {
      if (w.seq !== null) for (const r of w.recs) r.seq = 0;
      throw e;
    }
    failure.cleared();
    legacy.shift();
    ctx.toMain?.decided([], afterCommit(deps, done));
    return w.recs.length;
  }

  /**
   * Inbox rows leave inbox.db only once their decision is on the disk. The deciding transaction commits without
   * an fsync (replayable): a power cut can roll it back, and its batches must then still be in the inbox. When
   * the inbox shared vigil.db, the next fsynced append synced the same WAL; across two files it does not. So at
   * most every SETTLE_MS one fsynced commit of vigil.db records `synced` (an fsync of the WAL covers every commit
   * before it in that file), and only rows through it are deleted, by the intake's writer. A power cut in between leaves decided rows in
   * the inbox, which the cursor skips; never an acknowledged row deleted with its decision rolled back.
   */
  let settleTimer: ReturnType<typeof setTimeout> | null = null;
  let lastSettle = 0;
  let unsettled = false;
  function settleSoon(): void {
    unsettled = true;
    if (!inbox.separate || settleTimer) return;
    settleTimer = setTimeout(settleInbox, Math.max(0, lastSettle + SETTLE_MS - Date.now()));
    settleTimer.unref?.();
  }
  function settleInbox(): void {
    settleTimer = null;
    if (!unsettled || !inbox.separate || !ctx.stores.isOpen()) return;
    lastSettle = Date.now();
    unsettled = false;
    try {
      const synced = ctx.stores.transaction(() => inbox.markSynced());
      // The rows are deleted by inbox.db's intake writer (the intake thread, at normal priority), not here: a niced
      // decider thread descheduled while it held inbox.db's write lock kept a 202's append waiting (R-INBOX-3).
      if (ctx.toMain) ctx.toMain.synced(synced);
      else ctx.stores.intake.prune(synced);
    } catch (e) {
      unsettled = true; // the rows stay (the cursor skips them); tried again after the next decision
      ctx.log.warn({ err: e }, 'deleting decided inbox rows failed');
    }
  }

  return {
    waiting,
    hasWork,
    processBatch,
    /** The last decided seq. */
    cursor: () => cursor,
    /** `seq` is in the inbox (appended by another thread): decide through it. */
    through(seq: number): void {
      if (appended < seq) appended = seq;
    },
    /** This thread appended `seq` with these records: decided from them, not read back; queued until then. */
    queue(seq: number, recs: EventRecord[]): void {
      if (appended < seq) appended = seq;
      known.set(seq, recs);
      for (const r of recs) waiting.set(r.id, r);
    },
    /** When the oldest batch this thread appended and has not decided was received, if any. */
    oldestKnown: (): number | undefined => known.values().next().value?.[0]?.receivedAt,
    onRollback(fn: () => void): void {
      rollbackHooks.push(fn);
    },
    /** Start-up: everything acknowledged but not processed before a crash goes through now, in order. */
    replay(onError: (e: unknown) => void): number {
      let n = 0;
      try {
        // What an older version left first, oldest first: its intake_batches rows of vigil.db (each decided in the
        // transaction that deletes it: exactly once, as before the upgrade), then events rows stored unprocessed.
        for (let after = 0, page = inbox.legacy(0, 50); page.length; page = inbox.legacy(after, 50)) {
          for (const b of page) legacy.push({ seq: (after = b.seq), recs: b.events.map(fresh) });
          while (legacy.length) n += processBatch();
        }
        inbox.dropLegacy();
        for (let page = events.pending(BATCH); page.length; page = events.pending(BATCH)) {
          legacy.push({ seq: null, recs: page });
          while (legacy.length) n += processBatch();
        }
        // Then the inbox: every batch after the last decided seq.
        if (appended < inbox.lastSeq()) appended = inbox.lastSeq();
        while (appended > cursor) n += processBatch();
      } catch (e) {
        onError(e);
      }
      return n;
    },
    stop(): void {
      if (settleTimer) clearTimeout(settleTimer);
      settleInbox(); // a clean stop leaves inbox.db empty
    },
  };
}
