import { type Triager, createHermes } from '../agents';
import type { CoreContext, DecidingFailure, FollowUpJob } from '../context';
import type { OutboxWriter } from '../notify';
import type { EventRecord, NewEvent, ProcessedUpdate } from '../store';
import { AiFollowUp } from './ai-followup';
import { afterCommit, decideBatch, type Decided, type DeciderDeps } from './decide';
import { eventId } from './ids';
import { ActiveSilences } from './silence-matcher';
import { defaultStages } from './stages';
import { Slots, type ExtraStage } from './pipeline';
import type { Stage } from './types';
import { redactSecrets } from '../redact';

export { sourceLabel } from './decide';

/** A normalised event as the ingest adapters hand it over (before persist). */
export type IntakeEvent = Omit<NewEvent, 'id' | 'receivedAt' | 'trace'>;

export interface RouterOptions {
  outbox: OutboxWriter;
  /** Tests only: stages run just before a slot (fault injection). */
  extraStages?: ExtraStage[];
  triager?: Triager | null;
  /** Main thread with a decider worker: intake is appended and handed to it, nothing is decided on this thread. */
  decider?: DeciderLink | null;
}

/** The main thread's handle on the decider worker (core/decider), as the router uses it. */
export interface DeciderLink {
  /** This intake batch is committed: decide it (after every message posted before this one). */
  kick(seq: number): void;
  /** Silences changed: the decider reloads its active silences before it decides anything handed over later. */
  silences(): void;
  /** Resolves when the decider reports the inbox empty. */
  drain(): Promise<void>;
  /** Intake is not being decided (the deciding pass fails, or the thread is down): since when and why; null while it works. */
  failing(): DecidingFailure | null;
}

/** The next state after a failed attempt: `since` stays that of the first failure in a row. */
export function failedAgain(prev: DecidingFailure | null, err: unknown, now: number): DecidingFailure {
  const text = err instanceof Error ? err.message : String(err);
  const error = redactSecrets(text.split('\n')[0]!.trim()).slice(0, 300) || 'unknown error';
  return { since: prev?.since ?? now, error, attempts: (prev?.attempts ?? 0) + 1 };
}

/** Events per processing transaction for the inbox backlog: few commits in a storm, /health still served between batches. */
const BATCH = 2_000;
/**
 * Wall time one processing transaction may take before it commits and lets /health and the console in (ms).
 * Whole work items only (an HTTP batch commits with its events), so one large item may run over.
 */
const SLICE_MS = 20;
/** Quiet time after the last HTTP intake before its batches are decided (ms). */
const IDLE = 10;
/** Longest an acknowledged HTTP batch waits while intake stays busy (ms), and the most events left waiting. */
const MAX_WAIT = 1_000;
const MAX_BACKLOG = 50_000;
/** Inbox batches looked at per processing transaction (seq and size only; BATCH and SLICE_MS decide how many are taken). */
const LOOK_AHEAD = 256;
/** Most time between a deciding commit and the fsynced commit that lets its inbox rows be deleted (settleInbox). */
const SETTLE_MS = 500;

export type Router = ReturnType<typeof createRouter>;

/**
 * The EventRouter. All intake — HTTP batches and in-process events alike —
 * is appended to the durable inbox (one fsynced row of inbox.db, store/inbox.ts)
 * and only then acknowledged (R-ROUTE-2); its events (ids assigned at intake)
 * are decided in seq order, in a transaction that also records the last
 * decided seq in vigil.db (in-process intake with nothing ahead at once, HTTP
 * batches once intake pauses): outcome, dedupe state, outbox rows and
 * "decided" commit together. A crash leaves each batch fully decided or after
 * the recorded seq, to be decided at start-up, and notification keys make a
 * replay harmless. While waiting, events.get answers them as queued (processed: false).
 */
export function createRouter(ctx: CoreContext, opts: RouterOptions) {
  const { events, inbox, alertStates: states, silences: silenceStore } = ctx.stores;
  const link = opts.decider ?? null;
  const silences = new ActiveSilences(
    () => silenceStore.current(ctx.clock.now()),
    () => link?.silences(),
  );
  const hermes = createHermes(ctx.config.hermes.rules);
  const followUp = new AiFollowUp(ctx, events, opts.outbox);
  followUp.triager = opts.triager ?? null;
  const slots = new Slots(opts.extraStages);
  for (const s of defaultStages()) slots.fill(s);
  const deps: DeciderDeps = { ctx, states, silences, hermes, stages: slots.stages(), outbox: opts.outbox, followUp };
  // Live reload: the new Hermes rules triage the next event.
  ctx.onReload((next) => {
    const rules = createHermes(next.hermes.rules);
    return () => void (deps.hermes = rules);
  });
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
  let running = false;
  let retry: { cancel(): void } | null = null;
  let later: { cancel(): void } | null = null;
  let lastAccept = 0;
  let urgent = false;
  let waiters: Array<() => void> = [];
  /** Inline or on the decider thread: the last deciding attempt failed and nothing committed since. */
  let failure: DecidingFailure | null = null;
  function failed(e: unknown): void {
    failure = failedAgain(failure, e, ctx.clock.now());
    ctx.toMain?.failing(failure);
  }
  /** A deciding commit went through: no longer failing. */
  function cleared(): void {
    if (!failure) return;
    failure = null;
    ctx.toMain?.failing(null);
  }
  /** In-memory caches of rows written inside a processing transaction, dropped when it rolls back. */
  const rollbackHooks: Array<() => void> = [() => states.invalidate()];

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
    const next = inbox.after(cursor, LOOK_AHEAD);
    if (!next.length) {
      appended = cursor; // nothing after the cursor after all (rows deleted under us)
      return 0;
    }
    const taken: Array<{ seq: number; recs: EventRecord[] }> = [];
    let done: Decided[];
    try {
      done = guarded(() => {
        // Batch by batch until the slice is used up: a storm's backlog commits every ~SLICE_MS instead of
        // holding the thread for BATCH events (2 s under load), so /health waits at most about one slice.
        const d: Decided[] = [];
        let n = 0;
        for (const b of next) {
          if (taken.length && (n + b.n > BATCH || performance.now() - t0 >= SLICE_MS)) break;
          const recs = known.get(b.seq) ?? (inbox.events(b.seq) ?? []).map(fresh);
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
    cleared();
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
    cleared();
    legacy.shift();
    ctx.toMain?.decided([], afterCommit(deps, done));
    return w.recs.length;
  }

  /**
   * Inbox rows leave inbox.db only once their decision is on the disk. The deciding transaction commits without
   * an fsync (replayable): a power cut can roll it back, and its batches must then still be in the inbox. When
   * the inbox shared vigil.db, the next fsynced append synced the same WAL; across two files it does not. So at
   * most every SETTLE_MS one fsynced commit of vigil.db records `synced` (an fsync of the WAL covers every commit
   * before it in that file), and only rows through it are deleted. A power cut in between leaves decided rows in
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
      inbox.prune(ctx.stores.transaction(() => inbox.markSynced()));
    } catch (e) {
      unsettled = true; // the rows stay (the cursor skips them); tried again after the next decision
      ctx.log.warn({ err: e }, 'deleting decided inbox rows failed');
    }
  }

  async function loop(): Promise<void> {
    try {
      while (hasWork()) {
        if (intakeBusy()) return; // intake came back: let it have the thread (finally reschedules)
        processBatch();
        await new Promise((r) => setImmediate(r)); // let intake and /health in between batches
      }
    } catch (e) {
      // The batch rolled back and is still in the inbox (and the queue): retry later, loudly.
      ctx.log.error({ err: e }, 'router batch failed; retrying in 5 s');
      failed(e);
      retry = ctx.clock.setTimeout(() => ((retry = null), kick()), 5_000);
    } finally {
      running = false;
      if (!hasWork()) {
        urgent = false;
        for (const w of waiters.splice(0)) w();
      } else if (!retry) soon();
    }
  }

  function kick(): void {
    if (running || retry || !hasWork()) return;
    later?.cancel();
    later = null;
    running = true;
    setImmediate(() => void loop());
  }

  /**
   * A burst of HTTP intake keeps the thread: acknowledged batches are
   * decided once intake pauses for IDLE ms, or at once when the oldest has
   * waited MAX_WAIT ms or the backlog reaches MAX_BACKLOG events (so a storm
   * delays a notification by at most ~MAX_WAIT and memory stays bounded).
   * drain() ends the wait; in-process intake queued behind such a batch waits with it.
   */
  function intakeBusy(): boolean {
    if (urgent || !waiting.size) return false;
    const now = ctx.clock.now();
    const oldest = known.values().next().value?.[0]?.receivedAt ?? now;
    return now - lastAccept < IDLE && now - oldest < MAX_WAIT && waiting.size < MAX_BACKLOG;
  }

  function soon(): void {
    if (running || retry || later) return;
    if (!intakeBusy()) return kick();
    later = ctx.clock.setTimeout(() => ((later = null), soon()), IDLE);
  }

  function build(groups: Array<{ events: IntakeEvent[]; via: string }>, now: number): EventRecord[][] {
    // One object per event, used for the insert and by the stages (a storm makes every allocation count).
    // Fields copied by name, not spread: a spread object literal is several times slower to build.
    return groups.map((g) =>
      g.events.map((e): EventRecord => ({
        source: e.source,
        fingerprint: e.fingerprint,
        severity: e.severity,
        status: e.status,
        summary: e.summary,
        description: e.description,
        labels: e.labels,
        startsAt: e.startsAt,
        endsAt: e.endsAt,
        annotations: e.annotations,
        generatorURL: e.generatorURL,
        origin: e.origin,
        id: eventId(now),
        receivedAt: now,
        trace: [
          { at: now, stage: 'normalise', result: 'pass', detail: g.via },
          { at: now, stage: 'persist', result: 'pass', detail: `stored (intake batch of ${g.events.length})` },
        ],
        seq: 0,
        processed: false,
        outcome: null,
        triage: null,
        channels: [],
      })),
    );
  }

  /**
   * In-process intake (probes, failure reports, the poller, remote events) through the durable inbox: append
   * the groups as ONE inbox row (one fsynced commit) and return the ids assigned here; the events get exactly
   * these ids when the inbox pass decides the batch, in seq order. HTTP intake comes the same way (prepare and
   * accepted, around the intake thread's append), so the inbox pass is the one place that decides
   * (docs/architecture.md, Threads, step 1).
   */
  function enqueue(groups: Array<{ events: IntakeEvent[]; via: string }>): string[][] {
    const now = ctx.clock.now();
    const perGroup = build(groups, now);
    const recs = perGroup.length === 1 ? perGroup[0]! : perGroup.flat();
    const via = [...new Set(groups.map((g) => g.via))].join(', ');
    const seq = inbox.append(now, via, recs);
    if (link) {
      handOver(seq, recs);
      return perGroup.map((g) => g.map((r) => r.id));
    }
    const idle = !running && !retry && !hasWork();
    if (appended < seq) appended = seq;
    known.set(seq, recs);
    for (const r of recs) waiting.set(r.id, r);
    // In-process intake with nothing ahead of it is decided at once, by the same inbox pass (the caller sees it decided).
    if (idle) decideNow();
    else soon();
    return perGroup.map((g) => g.map((r) => r.id));
  }

  function decideNow(): void {
    try {
      processBatch();
    } catch (e) {
      ctx.log.error({ err: e }, 'deciding at intake failed; the batch stays in the inbox and is retried');
      failed(e);
      kick(); // once at once (a transient failure), then every 5 s (loop)
    }
  }
  /** In-process intake: all or nothing per batch; returns the ids once the batch is durable (decided at once when nothing waits). */
  const ingestGroups = (groups: Array<{ events: IntakeEvent[]; via: string }>): string[][] => enqueue(groups);
  /**
   * HTTP intake, in two halves around its append (router/group-commit.ts, on the intake thread): `prepare` builds a
   * request's records (ids assigned) as it arrives; `accepted` queues a committed group's records,
   * in seq order. A burst keeps the thread until intake pauses (see intakeBusy).
   */
  const prepare = (batch: IntakeEvent[], via: string): EventRecord[] => build([{ events: batch, via }], ctx.clock.now())[0]!;
  function accepted(seq: number, recs: EventRecord[]): void {
    if (link) return handOver(seq, recs);
    lastAccept = ctx.clock.now();
    if (seq <= cursor) return; // decided already: in-process intake behind it read it from the inbox
    if (appended < seq) appended = seq;
    known.set(seq, recs);
    for (const r of recs) waiting.set(r.id, r);
    soon();
  }

  /** Main thread, decider worker: batches handed over and not reported decided yet, by seq. */
  const handedOver = new Map<number, EventRecord[]>();
  /** Decided on the decider thread: queued (events.get) until it reports the batch committed. */
  function handOver(seq: number, recs: EventRecord[]): void {
    handedOver.set(seq, recs);
    for (const r of recs) waiting.set(r.id, r);
    link!.kick(seq);
  }
  /**
   * Decider thread: the main thread appended `seq`: decide the inbox through it (read back from inbox.db, in
   * seq order after the cursor). Decided already (a later kick's pass took it): nothing to do.
   */
  function pull(seq: number): void {
    if (appended < seq) appended = seq;
    soon();
  }

  /** A replayed batch's stored events, as fresh (not yet inserted) records. */
  const fresh = (e: NewEvent): EventRecord => ({ ...e, seq: 0, processed: false, outcome: null, triage: null, channels: [] });

  return {
    /** Where intake is decided: on the decider worker thread, or on this one. */
    decidesOn: link ? ('worker' as const) : ('inline' as const),
    events,
    states,
    silenceStore,
    silences,
    get hermes() {
      return deps.hermes;
    },
    /** Persist a batch atomically (all or nothing); returns the ids once committed: only then acknowledge. */
    ingest(batch: IntakeEvent[], via: string): string[] {
      return ingestGroups([{ events: batch, via }])[0]!;
    },
    ingestGroups,
    prepare,
    accepted,
    /** Acknowledged and not decided: inbox batches after the cursor and events rows stored unprocessed (live work only). */
    inbox(): { count: number; oldest: number | null } {
      const a = inbox.waiting();
      const b = events.inbox();
      const oldest = a.oldest === null ? b.oldest : b.oldest === null ? a.oldest : Math.min(a.oldest, b.oldest);
      return { count: a.count + b.count, oldest };
    },
    /** An acknowledged HTTP event still waiting in its intake batch (not in `events` yet), or null. */
    queued: (id: string): EventRecord | null => waiting.get(id) ?? null,
    /** Main thread, decider worker: these batches are committed (ToMain.decided): no longer queued. */
    decided(seqs: number[]): void {
      for (const q of seqs) {
        for (const r of handedOver.get(q) ?? []) waiting.delete(r.id);
        handedOver.delete(q);
      }
      states.invalidate(); // the decider wrote alert states around this thread's cache
    },
    pull,
    /** Intake is not being decided: on the decider thread when there is one (the thread may be down), else here. */
    failing: (): DecidingFailure | null => (link ? link.failing() : failure),
    /** Decider thread: a handed-over message could not be carried out (reading a batch, a silence or config change). */
    failed,
    /** Resolves when the inbox queue is empty (tests, benchmarks, shutdown). */
    drain(): Promise<void> {
      if (link) return link.drain();
      if (!hasWork() && !running) return Promise.resolve();
      urgent = true; // no more waiting for intake to pause
      kick();
      return new Promise((r) => waiters.push(r));
    },
    /** AI triage plug-in (NemoTron); null turns it off. */
    useTriager(t: Triager | null): void {
      followUp.triager = t;
    },
    /** Another area fills its slot of the pipeline (router/pipeline.ts) while the core is wired, before start. */
    fill(stage: Stage): void {
      slots.fill(stage);
      deps.stages = slots.stages();
    },
    /** A stage that caches rows it writes registers here to rebuild the cache when a processing transaction rolls back. */
    onRollback(fn: () => void): void {
      rollbackHooks.push(fn);
    },
    triageIdle: () => followUp.idle(),
    /** Main thread: AI triage for an event the decider thread notified (ToMain.followUp). */
    followUp: (job: FollowUpJob) => followUp.start(job),
    /** Start-up: everything acknowledged but not processed before a crash goes through now, in order. */
    resume(): number {
      if (link) return 0; // the decider replays the inbox when it starts
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
        ctx.log.error({ err: e }, 'replaying the inbox failed; will retry');
        failed(e);
        kick();
      }
      return n;
    },
    stop(): void {
      retry?.cancel();
      later?.cancel();
      waiters = [];
      if (settleTimer) clearTimeout(settleTimer);
      settleInbox(); // a clean stop leaves inbox.db empty
    },
  };
}
