import { randomUUID } from 'node:crypto';
import type { Triager } from '../agents/hermes/triager';
import { createHermes } from '../agents/hermes/hermes';
import type { CoreContext } from '../app';
import type { OutboxWriter } from '../notify/types';
import { sqliteAlertStateStore, type AlertStateStore } from '../store/alert-state';
import { sqliteEventStore, type EventRecord, type EventStore, type NewEvent } from '../store/events';
import { sqliteSilenceStore, type SilenceStore } from '../store/silences';
import { AiFollowUp } from './ai-followup';
import { ActiveSilences } from './silence-matcher';
import { defaultStages } from './stages';
import { nextState } from './stages/dedupe';
import type { Decision, Stage, StageContext } from './types';

/** A normalised event as the ingest adapters hand it over (before persist). */
export type IntakeEvent = Omit<NewEvent, 'id' | 'receivedAt' | 'trace'>;

export interface RouterOptions {
  outbox: OutboxWriter;
  stages?: Stage[];
  triager?: Triager | null;
}

const BATCH = 500;
const KNOWN_SOURCES = new Set(['alertmanager', 'probe', 'vigil', 'scheduler']);
/** Metric label for a source: free-form generic sources fold into "api" (bounded cardinality). */
export const sourceLabel = (s: string): string => (KNOWN_SOURCES.has(s) ? s : 'api');

export type Router = ReturnType<typeof createRouter>;

/**
 * The EventRouter. ingest() is normalise's output → persist: one
 * transaction per intake batch, and only then may the caller acknowledge.
 * Processing runs afterwards, in batches, each batch one transaction that
 * writes the outcome, the dedupe state and the outbox rows together — so a
 * crash anywhere either leaves the event in the inbox (replayed at start)
 * or fully processed, and notification keys make replays harmless.
 */
export function createRouter(ctx: CoreContext, opts: RouterOptions) {
  const events: EventStore = sqliteEventStore(ctx.db);
  const states: AlertStateStore = sqliteAlertStateStore(ctx.db);
  const silenceStore: SilenceStore = sqliteSilenceStore(ctx.db);
  const silences = new ActiveSilences(() => silenceStore.current(ctx.clock.now()));
  const hermes = createHermes(ctx.config.hermes.rules);
  const followUp = new AiFollowUp(ctx, events, opts.outbox);
  followUp.triager = opts.triager ?? null;
  const stages = opts.stages ?? defaultStages();
  const queue: EventRecord[] = [];
  let running = false;
  let retry: { cancel(): void } | null = null;
  let waiters: Array<() => void> = [];

  function processBatch(): void {
    const batch = queue.slice(0, BATCH);
    const done: Array<{ ev: EventRecord; d: Decision }> = [];
    events.transaction(() => {
      for (const ev of batch) {
        const now = ctx.clock.now();
        const prev = states.get(ev.fingerprint);
        const d: Decision = { notify: true, result: 'notified', kind: 'alert', trace: ev.trace.slice(), prev, next: nextState(prev, ev, now), triage: null, channels: [] };
        const sc: StageContext = { now, config: ctx.config, silences, outbox: opts.outbox, hermes, aiTriage: followUp.triager !== null };
        for (const s of stages) if (d.notify || s.always) s.run(ev, d, sc);
        states.put(d.next);
        events.markProcessed(ev.seq, { outcome: d.result, trace: d.trace, triage: d.triage, channels: d.notify ? d.channels : [] });
        done.push({ ev, d });
      }
    });
    queue.splice(0, batch.length);
    const now = ctx.clock.now();
    for (const { ev, d } of done) {
      ctx.metrics.routerEvents.inc({ source: sourceLabel(ev.source), result: d.result });
      ctx.metrics.routerDispatch.observe(Math.max(0, now - ev.receivedAt) / 1000);
      if (d.triage) ctx.metrics.agentTriage.inc({ agent: 'hermes' });
      if (d.notify && d.kind === 'alert' && d.triage) followUp.start({ ev, hermes: d.triage, channels: d.channels });
    }
    ctx.changed('events');
  }

  async function loop(): Promise<void> {
    try {
      while (queue.length) {
        processBatch();
        // Yield between batches so intake and /health are never starved by a storm.
        await new Promise((r) => setImmediate(r));
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

  return {
    events,
    states,
    silenceStore,
    silences,
    hermes,
    /**
     * Persist a batch atomically (all or nothing) and queue it for processing.
     * Returns the new event ids once committed: only then acknowledge (R-ROUTE-2).
     */
    ingest(batch: IntakeEvent[], via: string): string[] {
      const now = ctx.clock.now();
      const rows: NewEvent[] = batch.map((e) => ({
        ...e,
        id: randomUUID(),
        receivedAt: now,
        trace: [
          { at: now, stage: 'normalise', result: 'pass', detail: via },
          { at: now, stage: 'persist', result: 'pass', detail: `stored in the inbox (batch of ${batch.length})` },
        ],
      }));
      const seqs = events.transaction(() => events.insert(rows));
      rows.forEach((r, i) => queue.push({ ...r, seq: seqs[i]!, processed: false, outcome: null, triage: null, channels: [] }));
      kick();
      return rows.map((r) => r.id);
    },
    /** Resolves when the inbox queue is empty (tests, benchmarks, shutdown). */
    drain(): Promise<void> {
      if (!queue.length && !running) return Promise.resolve();
      return new Promise((r) => waiters.push(r));
    },
    /** AI triage plug-in (NemoTron); null turns it off. */
    useTriager(t: Triager | null): void {
      followUp.triager = t;
    },
    triageIdle: () => followUp.idle(),
    /** Start-up: everything acknowledged but not processed before a crash goes through now. */
    resume(): number {
      let n = 0;
      try {
        // Nothing else runs yet: process the backlog page by page, synchronously.
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
