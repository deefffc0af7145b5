import { type Triager, createHermes } from '../agents';
import type { CoreContext, DecidingFailure, FollowUpJob } from '../context';
import type { OutboxWriter } from '../notify';
import type { EventRecord } from '../store';
import { AiFollowUp } from './ai-followup';
import type { DeciderDeps } from './decide';
import { createFailureRun } from './failure';
import { createInboxPass } from './inbox';
import { bodyEvents } from './inbox-bodies';
import { buildRecords, fresh, type IntakeEvent } from './records';
import { createSchedule } from './schedule';
import { ActiveSilences } from './silence-matcher';
import { defaultStages } from './stages';
import { Slots, type ExtraStage } from './pipeline';
import type { Stage } from './types';

export { sourceLabel } from './decide';
export { failedAgain } from './failure';
export type { IntakeEvent } from './records';

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
 * The parts: the inbox pass (inbox.ts), when it runs (schedule.ts), its failure run (failure.ts).
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
  const failure = createFailureRun(ctx);
  const pass = createInboxPass(ctx, deps, failure);
  const schedule = createSchedule(ctx, pass, failure);
  const { waiting } = pass;

  /**
   * In-process intake (probes, failure reports, the poller, remote events) through the durable inbox: append
   * the groups as ONE inbox row (one fsynced commit) and return the ids assigned here; the events get exactly
   * these ids when the inbox pass decides the batch, in seq order. HTTP intake comes the same way (prepare and
   * accepted, around the intake thread's append), so the inbox pass is the one place that decides
   * (docs/architecture.md, Threads, step 1).
   */
  function enqueue(groups: Array<{ events: IntakeEvent[]; via: string }>): string[][] {
    const now = ctx.clock.now();
    const perGroup = buildRecords(groups, now);
    const recs = perGroup.length === 1 ? perGroup[0]! : perGroup.flat();
    const via = [...new Set(groups.map((g) => g.via))].join(', ');
    const seq = inbox.append(now, via, recs);
    if (link) {
      handOverRecords(seq, recs);
      return perGroup.map((g) => g.map((r) => r.id));
    }
    const idle = schedule.idle();
    pass.queue(seq, recs);
    // In-process intake with nothing ahead of it is decided at once, by the same inbox pass (the caller sees it decided).
    if (idle) schedule.decideNow();
    else schedule.soon();
    return perGroup.map((g) => g.map((r) => r.id));
  }

  /** In-process intake: all or nothing per batch; returns the ids once the batch is durable (decided at once when nothing waits). */
  const ingestGroups = (groups: Array<{ events: IntakeEvent[]; via: string }>): string[][] => enqueue(groups);
  /**
   * HTTP intake, in two halves around its append (router/group-commit.ts, on the intake thread): `prepare` builds a
   * request's records (ids assigned) as it arrives; `accepted` queues a committed group's records,
   * in seq order. A burst keeps the thread until intake pauses (see intakeBusy in schedule.ts).
   */
  const prepare = (batch: IntakeEvent[], via: string): EventRecord[] => buildRecords([{ events: batch, via }], ctx.clock.now())[0]!;
  function accepted(seq: number, recs: EventRecord[]): void {
    if (link) return handOverRecords(seq, recs);
    schedule.accepted();
    if (seq <= pass.cursor()) return; // decided already: in-process intake behind it read it from the inbox
    pass.queue(seq, recs);
    schedule.soon();
  }

  /**
   * Main thread, decider worker: the ids of batches handed over and not reported decided yet, by seq (per request:
   * a group commit's requests share a seq). Events in `waiting` were made on this thread; those the intake thread
   * made (HTTP bodies read there) are not: only their answer crossed (its text holds their ids, quoted), and events.get
   * reads one from its inbox row.
   */
  const handedOver = new Map<number, Array<string[] | string>>();
  /** The highest seq the decider was told of: a group's requests share one seq and one kick. */
  let kicked = 0;
  function handOver(seq: number, ids: string[] | string): void {
    const held = handedOver.get(seq);
    if (held) held.push(ids);
    else handedOver.set(seq, [ids]);
    if (seq <= kicked) return; // the decider reads the inbox through the highest seq it was told of, in seq order
    kicked = seq;
    link!.kick(seq);
  }
  /** Decided on the decider thread: queued (events.get) until it reports the batch committed. */
  function handOverRecords(seq: number, recs: EventRecord[]): void {
    for (const r of recs) waiting.set(r.id, r);
    handOver(
      seq,
      recs.map((r) => r.id),
    );
  }
  /**
   * HTTP intake read on the intake thread (router/intake-thread.ts): one request's events are in inbox row `seq`,
   * committed; `answer` is its response body, whose text holds their ids.
   */
  const acceptedIds = (seq: number, answer: string): void => handOver(seq, answer);
  /** A queued event the intake thread made, read from its inbox row (events.get: rare, so a scan, not an index). */
  function rowEvent(id: string): EventRecord | null {
    for (const [seq, requests] of handedOver)
      for (const ids of requests)
        if (typeof ids === 'string' ? ids.includes(`"${id}"`) : ids.includes(id)) {
          const e = inbox.events(seq, bodyEvents)?.find((x) => x.id === id);
          return e ? fresh(e) : null;
        }
    return null;
  }
  /**
   * Decider thread: the main thread appended `seq`: decide the inbox through it (read back from inbox.db, in
   * seq order after the cursor). Decided already (a later kick's pass took it): nothing to do.
   */
  function pull(seq: number): void {
    pass.through(seq);
    schedule.soon();
  }

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
    acceptedIds,
    /** Acknowledged and not decided: inbox batches after the cursor and events rows stored unprocessed (live work only). */
    inbox(): { count: number; oldest: number | null } {
      const a = inbox.waiting();
      const b = events.inbox();
      const oldest = a.oldest === null ? b.oldest : b.oldest === null ? a.oldest : Math.min(a.oldest, b.oldest);
      return { count: a.count + b.count, oldest };
    },
    /** An acknowledged HTTP event still waiting in its intake batch (not in `events` yet), or null. */
    queued: (id: string): EventRecord | null => waiting.get(id) ?? rowEvent(id),
    /** Main thread, decider worker: these batches are committed (ToMain.decided): no longer queued. */
    decided(seqs: number[]): void {
      for (const q of seqs) {
        for (const ids of handedOver.get(q) ?? []) if (typeof ids !== 'string') for (const id of ids) waiting.delete(id);
        handedOver.delete(q);
      }
      states.invalidate(); // the decider wrote alert states around this thread's cache
    },
    pull,
    /** Intake is not being decided: on the decider thread when there is one (the thread may be down), else here. */
    failing: (): DecidingFailure | null => (link ? link.failing() : failure.current()),
    /** Decider thread: a handed-over message could not be carried out (reading a batch, a silence or config change). */
    failed: failure.failed,
    /** Resolves when the inbox queue is empty (tests, benchmarks, shutdown). */
    drain(): Promise<void> {
      return link ? link.drain() : schedule.drain();
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
    onRollback: pass.onRollback,
    triageIdle: () => followUp.idle(),
    /** Main thread: AI triage for an event the decider thread notified (ToMain.followUp). */
    followUp: (job: FollowUpJob) => followUp.start(job),
    /** Start-up: everything acknowledged but not processed before a crash goes through now, in order. */
    resume(): number {
      if (link) return 0; // the decider replays the inbox when it starts
      return pass.replay((e) => {
        ctx.log.error({ err: e }, 'replaying the inbox failed; will retry');
        failure.failed(e);
        schedule.kick();
      });
    },
    stop(): void {
      schedule.stop();
      pass.stop();
    },
  };
}
