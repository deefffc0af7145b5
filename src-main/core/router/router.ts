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

export type Router = ReturnType<typeof createRouter>;

/**
 * The EventRouter. All intake — HTTP batches and in-process events alike —
 * is appended to the durable inbox (one fsynced intake_batches row) and only
 * then acknowledged (R-ROUTE-2); its events (ids assigned at intake) are
 * decided in order, in the transaction that deletes the row (in-process
 * intake with nothing ahead at once, HTTP batches once intake pauses):
 * outcome, dedupe state and outbox rows commit together with the event. A
 * crash leaves each batch fully decided or still in the inbox, and
 * notification keys make a replay harmless. While waiting, events.get
 * answers them as queued (processed: false).
 */
export function createRouter(ctx: CoreContext, opts: RouterOptions) {
  const { events, alertStates: states, silences: silenceStore } = ctx.stores;
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
   * Work waiting for the pipeline, in arrival order. `batch` is the
   * intake_batches seq of an acknowledged HTTP batch whose events are not
   * written yet; null means inbox rows already stored (processed = 0).
   */
  const queue: Array<{ batch: number | null; recs: EventRecord[] }> = [];
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

  /**
   * Decide whole work items (up to ~BATCH events) in one transaction: batch
   * events are inserted decided and their batch row deleted in that same
   * transaction, so a crash leaves the batch either untouched (replayed) or
   * fully processed — never both (no duplicate events or notifications).
   */
  function processBatch(): void {
    const write = (ev: EventRecord, upd: ProcessedUpdate) => {
      if (ev.seq) events.markProcessed(ev.seq, upd);
      else ev.seq = events.insertDecided(ev, upd);
    };
    const t0 = performance.now();
    let k = 0;
    let done: Decided[];
    try {
      done = guarded(() => {
        // Item by item until the slice is used up: a storm's backlog commits every ~SLICE_MS instead of
        // holding the thread for BATCH events (2 s under load), so /health waits at most about one slice.
        const d: Decided[] = [];
        for (let n = 0; k < queue.length && (k === 0 || (n + queue[k]!.recs.length <= BATCH && performance.now() - t0 < SLICE_MS)); k++) {
          const w = queue[k]!;
          for (const x of decideBatch(deps, w.recs, write)) d.push(x);
          if (w.batch !== null) events.finishBatch(w.batch);
          n += w.recs.length;
        }
        return d;
        // Replayable: every item is already durable (an fsynced intake batch or inbox row) and leaves the inbox in
        // this transaction, so it need not wait for its own fsync — the main thread's longest wait in a storm.
      }, 'replayable');
    } catch (e) {
      for (const w of queue.slice(0, k + 1)) if (w.batch !== null) for (const r of w.recs) r.seq = 0; // rolled back: not inserted
      throw e;
    }
    if (failure) {
      failure = null;
      ctx.toMain?.failing(null);
    }
    const items = queue.slice(0, k);
    queue.splice(0, k);
    for (const w of items) if (w.batch !== null) for (const r of w.recs) waiting.delete(r.id);
    const m = afterCommit(deps, done);
    if (ctx.toMain) {
      const seqs = items.flatMap((w) => (w.batch === null ? [] : [w.batch]));
      for (const q of seqs) pulled.delete(q);
      ctx.toMain.decided(seqs, m);
    }
  }

  async function loop(): Promise<void> {
    try {
      while (queue.length) {
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
      if (!queue.length) {
        urgent = false;
        for (const w of waiters.splice(0)) w();
      } else if (!retry) soon();
    }
  }

  function kick(): void {
    if (running || retry || !queue.length) return;
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
    const oldest = queue[0]?.recs[0]?.receivedAt ?? now;
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
   * Intake through the durable inbox: append the groups as ONE intake_batches row (one fsynced commit) and
   * return the ids assigned here; the events get exactly these ids when the inbox pass decides the batch, in
   * order, in the transaction that deletes the row. Only this append gates an HTTP 202. In-process intake
   * (probes, failure reports, the poller, remote events) comes the same way, so the inbox pass is the one
   * place that decides (docs/architecture.md, Threads, step 1).
   */
  function enqueue(groups: Array<{ events: IntakeEvent[]; via: string }>, http: boolean): string[][] {
    const now = ctx.clock.now();
    const perGroup = build(groups, now);
    const recs = perGroup.length === 1 ? perGroup[0]! : perGroup.flat();
    const via = [...new Set(groups.map((g) => g.via))].join(', ');
    const seq = events.appendBatch(now, via, recs);
    if (link) {
      handOver(seq, recs);
      return perGroup.map((g) => g.map((r) => r.id));
    }
    if (ctx.toMain) pulled.add(seq); // the decider's own intake (its failure reports): not pulled again
    if (http) lastAccept = now;
    queue.push({ batch: seq, recs });
    for (const r of recs) waiting.set(r.id, r);
    // In-process intake with nothing ahead of it is decided at once, by the same inbox pass (the caller sees it decided).
    if (!http && queue.length === 1 && !running && !retry) decideNow();
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
  const ingestGroups = (groups: Array<{ events: IntakeEvent[]; via: string }>): string[][] => enqueue(groups, false);
  /**
   * HTTP intake, in two halves around its append (router/group-commit.ts, on the intake thread): `prepare` builds a
   * request's records (ids assigned) as it arrives; `accepted` queues a committed group's records,
   * in seq order. A burst keeps the thread until intake pauses (see intakeBusy).
   */
  const prepare = (batch: IntakeEvent[], via: string): EventRecord[] => build([{ events: batch, via }], ctx.clock.now())[0]!;
  function accepted(seq: number, recs: EventRecord[]): void {
    if (link) return handOver(seq, recs);
    lastAccept = ctx.clock.now();
    queue.push({ batch: seq, recs });
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
  /** Decider thread: batches queued here and not committed yet (pulled from the inbox or appended here). */
  const pulled = new Set<number>();

  /**
   * Decider thread: take the batch the main thread appended as `seq` and decide it (kicks come in append
   * order). By seq, not "everything up to": an emptied intake_batches table hands out its seqs again.
   * Already queued, or decided and deleted since: nothing to do (a batch is never queued twice).
   */
  function pull(seq: number): void {
    const b = pulled.has(seq) ? undefined : events.pendingBatches(seq - 1, 1)[0];
    if (b?.seq === seq) {
      pulled.add(seq);
      queue.push({ batch: seq, recs: b.events.map(fresh) });
    }
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
      if (!queue.length && !running) return Promise.resolve();
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
        // Acknowledged HTTP batches first, in seq order, then inbox rows (in-process intake that waited).
        for (let after = 0, page = events.pendingBatches(0, 50); page.length; page = events.pendingBatches(after, 50)) {
          for (const b of page) {
            queue.push({ batch: b.seq, recs: b.events.map(fresh) });
            if (ctx.toMain) pulled.add(b.seq);
            n += b.events.length;
            after = b.seq;
          }
          while (queue.length) processBatch();
        }
        for (let page = events.pending(BATCH); page.length; page = events.pending(BATCH)) {
          queue.push({ batch: null, recs: page });
          n += page.length;
          while (queue.length) processBatch();
        }
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
    },
  };
}
