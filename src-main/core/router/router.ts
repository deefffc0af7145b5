import type { Triager } from '../agents/hermes/triager';
import { createHermes } from '../agents/hermes/hermes';
import type { CoreContext } from '../app';
import type { OutboxWriter } from '../notify/types';
import { sqliteAlertStateStore } from '../store/alert-state';
import { sqliteEventStore, type EventRecord, type NewEvent } from '../store/events';
import { sqliteSilenceStore } from '../store/silences';
import { AiFollowUp } from './ai-followup';
import { afterCommit, decideBatch, type DeciderDeps } from './decide';
import { eventId } from './ids';
import { ActiveSilences } from './silence-matcher';
import { defaultStages } from './stages';
import type { Stage } from './types';

export { sourceLabel } from './decide';

/** A normalised event as the ingest adapters hand it over (before persist). */
export type IntakeEvent = Omit<NewEvent, 'id' | 'receivedAt' | 'trace'>;

export interface RouterOptions {
  outbox: OutboxWriter;
  stages?: Stage[];
  triager?: Triager | null;
}

/** Events per processing transaction for the inbox backlog: few commits in a storm, /health still served between batches. */
const BATCH = 2_000;

export type Router = ReturnType<typeof createRouter>;

/**
 * The EventRouter. ingest() persists an intake batch in one transaction,
 * and only then may the caller acknowledge (R-ROUTE-2). When nothing is
 * waiting ahead of it, the batch is decided in that same transaction
 * (outcome, dedupe state and outbox rows commit together with the event);
 * otherwise — a backlog after a restart, or a stage that failed — it stays
 * in the inbox (processed = 0) and is processed asynchronously, in order.
 * Either way a crash leaves each event fully decided or still in the inbox,
 * and notification keys make a replay harmless.
 */
export function createRouter(ctx: CoreContext, opts: RouterOptions) {
  const events = sqliteEventStore(ctx.db);
  const states = sqliteAlertStateStore(ctx.db);
  const silenceStore = sqliteSilenceStore(ctx.db);
  const silences = new ActiveSilences(() => silenceStore.current(ctx.clock.now()));
  const hermes = createHermes(ctx.config.hermes.rules);
  const followUp = new AiFollowUp(ctx, events, opts.outbox);
  followUp.triager = opts.triager ?? null;
  const deps: DeciderDeps = { ctx, states, silences, hermes, stages: opts.stages ?? defaultStages(), outbox: opts.outbox, followUp };
  const queue: EventRecord[] = [];
  let running = false;
  let retry: { cancel(): void } | null = null;
  let waiters: Array<() => void> = [];

  /** One transaction; if it rolls back, the cached dedupe state may be ahead of the database: drop it. */
  function guarded<T>(fn: () => T): T {
    try {
      return events.transaction(fn);
    } catch (e) {
      states.invalidate();
      throw e;
    }
  }

  function processBatch(): void {
    const batch = queue.slice(0, BATCH);
    const done = guarded(() => decideBatch(deps, batch, (ev, upd) => events.markProcessed(ev.seq, upd)));
    queue.splice(0, batch.length);
    afterCommit(deps, done);
  }

  async function loop(): Promise<void> {
    try {
      while (queue.length) {
        processBatch();
        await new Promise((r) => setImmediate(r)); // let intake and /health in between batches
      }
    } catch (e) {
      // The batch rolled back and is still in the inbox (and the queue): retry later, loudly.
      ctx.log.error({ err: e }, 'router batch failed; retrying in 5 s');
      retry = ctx.clock.setTimeout(() => ((retry = null), kick()), 5_000);
    } finally {
      running = false;
      if (!queue.length) for (const w of waiters.splice(0)) w();
    }
  }

  function kick(): void {
    if (running || retry || !queue.length) return;
    running = true;
    setImmediate(() => void loop());
  }

  /**
   * Persist several intake batches (e.g. concurrent HTTP requests) in one
   * transaction: one commit for all, each batch still all-or-nothing
   * because all were validated before. Returns the ids per batch.
   */
  function ingestGroups(groups: Array<{ events: IntakeEvent[]; via: string }>): string[][] {
    const now = ctx.clock.now();
    // One object per event, used for the insert and by the stages (a storm makes every allocation count).
    // Fields copied by name, not spread: a spread object literal is several times slower to build.
    const perGroup = groups.map((g) =>
      g.events.map(
        (e): EventRecord => ({
          source: e.source,
          fingerprint: e.fingerprint,
          severity: e.severity,
          status: e.status,
          summary: e.summary,
          description: e.description,
          labels: e.labels,
          startsAt: e.startsAt,
          endsAt: e.endsAt,
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
        }),
      ),
    );
    const recs = perGroup.flat();
    const ids = perGroup.map((g) => g.map((r) => r.id));
    if (!queue.length && !running && !retry) {
      try {
        const done = guarded(() => decideBatch(deps, recs, (ev, upd) => (ev.seq = events.insertDecided(ev, upd))));
        afterCommit(deps, done);
        return ids;
      } catch (e) {
        ctx.log.error({ err: e }, 'deciding at intake failed; the batch goes to the inbox and is retried');
      }
    }
    const seqs = events.transaction(() => events.insert(recs));
    recs.forEach((r, i) => queue.push({ ...r, seq: seqs[i]! }));
    kick();
    return ids;
  }

  return {
    events,
    states,
    silenceStore,
    silences,
    hermes,
    /** Persist a batch atomically (all or nothing); returns the ids once committed: only then acknowledge. */
    ingest(batch: IntakeEvent[], via: string): string[] {
      return ingestGroups([{ events: batch, via }])[0]!;
    },
    ingestGroups,
    /** Resolves when the inbox queue is empty (tests, benchmarks, shutdown). */
    drain(): Promise<void> {
      if (!queue.length && !running) return Promise.resolve();
      return new Promise((r) => waiters.push(r));
    },
    /** AI triage plug-in (NemoTron); null turns it off. */
    useTriager(t: Triager | null): void {
      followUp.triager = t;
    },
    /** Other areas add their stages (use insertStage) while the core is wired, before start. */
    extendStages(fn: (stages: Stage[]) => Stage[]): void {
      deps.stages = fn(deps.stages);
    },
    triageIdle: () => followUp.idle(),
    /** Start-up: everything acknowledged but not processed before a crash goes through now, in order. */
    resume(): number {
      let n = 0;
      try {
        for (let page = events.pending(BATCH); page.length; page = events.pending(BATCH)) {
          queue.push(...page);
          n += page.length;
          while (queue.length) processBatch();
        }
      } catch (e) {
        ctx.log.error({ err: e }, 'replaying the inbox failed; will retry');
        kick();
      }
      return n;
    },
    stop(): void {
      retry?.cancel();
      waiters = [];
    },
  };
}
