import type { CoreContext, DecidedMetrics } from '../context';
import { countInto, DISPATCH_BUCKETS, noBuckets, type Metrics } from '../metrics';
import type { OutboxWriter } from '../notify';
import type { AlertState, AlertStateStore, EventRecord, ProcessedUpdate } from '../store';
import type { AiFollowUp } from './ai-followup';
import type { ActiveSilences } from './silence-matcher';
import { nextState } from './stages/dedupe';
import type { RunStage } from './pipeline';
import { idle, type Decision, type StageContext } from './types';
import { Collection } from '../../../src-shared/api/topics';

/**
 * What the commit's follow-up needs of an event's decision (afterCommit). Not the Decision itself: a transaction holds
 * up to thousands of these, and a Decision kept until the commit kept its trace and states alive through every
 * scavenge of the transaction (copied, then promoted: most of the decider's GC).
 */
export interface Decided {
  ev: EventRecord;
  result: Decision['result'];
  notify: boolean;
  kind: Decision['kind'];
  triage: Decision['triage'];
  channels: string[];
}

const KNOWN_SOURCES = new Set(['alertmanager', 'probe', 'vigil', 'scheduler']);
/** Metric label for a source: free-form generic sources fold into "api" (bounded cardinality). */
export const sourceLabel = (s: string): string => (KNOWN_SOURCES.has(s) ? s : 'api');

export interface DeciderDeps {
  ctx: CoreContext;
  states: AlertStateStore;
  silences: ActiveSilences;
  hermes: StageContext['hermes'];
  stages: RunStage[];
  outbox: OutboxWriter;
  followUp: AiFollowUp;
}

/**
 * Run the stages over a batch, in order, inside the caller's transaction:
 * `write` stores each outcome, the outbox rows are enqueued by the outbox
 * stage, and the dedupe state is written once per fingerprint at the end.
 * The update and its trace array are the pass's own, refilled for the next
 * event: `write` uses them during the call (what they hold may be kept).
 */
export function decideBatch(deps: DeciderDeps, batch: EventRecord[], write: (ev: EventRecord, upd: ProcessedUpdate) => void): Decided[] {
  const { ctx, states } = deps;
  const touched = new Map<string, AlertState | null>();
  const done: Decided[] = [];
  // One per batch, its clock set per event (an object per event is a storm's garbage).
  const sc: StageContext = {
    now: 0,
    config: ctx.config,
    silences: deps.silences,
    outbox: deps.outbox,
    hermes: deps.hermes,
    aiTriage: deps.followUp.triager !== null,
  };
  // Each new alert's state and acknowledgement (nearly always none) asked for in one statement each, not per event.
  const fps = batch.map((ev) => ev.fingerprint);
  states.lookAhead(fps);
  ctx.stores.acks.lookAhead(fps);
  let decided = false;
  try {
    decideEach(deps, batch, sc, touched, done, write);
    for (const s of deps.stages) s.endBatch?.(sc);
    decided = true;
  } finally {
    states.lookAhead(null);
    if (!decided) for (const s of deps.stages) s.dropBatch?.();
  }
  states.putMany(touched.values());
  return done;
}

function decideEach(
  deps: DeciderDeps,
  batch: EventRecord[],
  sc: StageContext,
  touched: Map<string, AlertState | null>,
  done: Decided[],
  write: (ev: EventRecord, upd: ProcessedUpdate) => void,
): void {
  const { ctx, states } = deps;
  // One Decision and trace array for the batch, reset per event: the stages use them only while the event is decided
  // (write packs the trace at once), and what outlives the event is copied out (Decided, the fresh nextState).
  const d: Decision = {
    notify: true,
    result: 'notified',
    kind: 'alert',
    trace: [],
    prev: null,
    next: null!,
    triage: null,
    channels: NONE,
    later: null,
  };
  const t = d.trace;
  const upd: ProcessedUpdate = { outcome: 'notified', trace: t, triage: null, channels: NONE };
  for (const ev of batch) {
    const now = (sc.now = ctx.clock.now());
    const prev = touched.has(ev.fingerprint) ? touched.get(ev.fingerprint)! : states.get(ev.fingerprint);
    d.notify = true;
    d.result = 'notified';
    d.kind = 'alert';
    t.length = 0;
    for (const e of ev.trace) t.push(e);
    d.prev = prev;
    d.next = nextState(prev, ev, now);
    d.triage = null;
    d.channels = NONE;
    d.later = null;
    for (const s of deps.stages) {
      if (!d.notify && !s.always) continue;
      const notifying = d.notify;
      const before = t.length;
      s.run(ev, d, sc);
      // The runner names each stage a notified event passed, so its trace shows the pipeline even where a stage had
      // nothing to say. Not for held events: a storm of repeats would store five idle entries per event.
      if (notifying && t.length === before) t.push(idle(s.name, now));
    }
    touched.set(ev.fingerprint, d.next);
    const channels = d.notify ? d.channels : NONE;
    upd.outcome = d.result;
    upd.triage = d.triage;
    upd.channels = channels;
    write(ev, upd);
    done.push({ ev, result: d.result, notify: d.notify, kind: d.kind, triage: d.triage, channels });
  }
  t.length = 0;
  d.prev = d.next = null!;
}

/** No channels (yet): shared, never written to (the route stage sets its routing's own, router/stages/route.ts). */
const NONE: string[] = [];
Object.freeze(NONE);

/**
 * After the commit: metrics (counted per batch), AI follow-ups, and a change push. On the decider thread the
 * metrics and follow-ups are returned for the main thread (its registry serves /metrics; NemoTron runs there).
 */
export function afterCommit(deps: DeciderDeps, done: Decided[]): DecidedMetrics {
  const { ctx } = deps;
  const now = ctx.clock.now();
  // By source, then result: a key made of both was a string built per event.
  const counts = new Map<string, Map<string, { source: string; result: string; n: number }>>();
  const m: DecidedMetrics = { events: [], dispatch: noBuckets(DISPATCH_BUCKETS), triaged: 0 };
  for (const d of done) {
    const ev = d.ev;
    const source = sourceLabel(ev.source);
    let bySource = counts.get(source);
    if (!bySource) counts.set(source, (bySource = new Map()));
    let c = bySource.get(d.result);
    if (!c) bySource.set(d.result, (c = { source, result: d.result, n: 0 }));
    c.n++;
    countInto(m.dispatch, DISPATCH_BUCKETS, Math.max(0, now - ev.receivedAt) / 1000);
    if (d.triage) m.triaged++;
    if (d.notify && d.kind === 'alert' && d.triage && deps.followUp.triager) {
      const job = { ev, hermes: d.triage, channels: d.channels };
      if (ctx.toMain) ctx.toMain.followUp(job);
      else deps.followUp.start(job);
    }
  }
  for (const bySource of counts.values()) for (const c of bySource.values()) m.events.push(c);
  if (!ctx.toMain) countDecided(ctx.metrics, m);
  if (done.length) ctx.changed(Collection.events);
  return m;
}

/** Add one commit's router metrics to a registry (the main thread's, wherever the events were decided). */
export function countDecided(metrics: Metrics, m: DecidedMetrics): void {
  metrics.routerDispatch.add(m.dispatch);
  for (const c of m.events) metrics.routerEvents.inc({ source: c.source, result: c.result }, c.n);
  if (m.triaged) metrics.agentTriage.inc({ agent: 'hermes' }, m.triaged);
}
