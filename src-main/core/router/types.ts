import type { TraceEntry, TriageResult } from '../../../src-shared/domain';
import type { Config } from '../config';
import type { MessageKind, OutboxWriter } from '../notify';
import type { AlertState, EventRecord } from '../store';
import type { StageName } from './pipeline';
import type { ActiveSilences } from './silence-matcher';

/** Outcome of an event through the router (vigil_router_events_total{result}). */
export type RouterResult = 'notified' | 'deduped' | 'silenced' | 'muted' | 'stored' | 'grouped' | 'flapping' | 'burst';

/**
 * The decision being built for one event as it passes the stages. A stage
 * that holds the notification back sets notify=false, the result and a
 * trace entry saying why; later stages still record what they saw.
 */
export interface Decision {
  notify: boolean;
  result: RouterResult;
  kind: MessageKind;
  trace: TraceEntry[];
  /** Dedupe state before this event (null: first time this fingerprint is seen). */
  prev: AlertState | null;
  /** Dedupe state after this event; written in the same transaction as the outcome. */
  next: AlertState;
  triage: TriageResult | null;
  channels: string[];
  /**
   * Where the outbox stage queues this event's messages instead of the outbox, or null: the group stage takes the
   * first message of a group opened in this batch, to name in it the alerts that arrived with it (R-NOISE-1).
   */
  later: OutboxWriter | null;
}

/** What a stage may use: config, time, stores and the outbox, all injected. */
export interface StageContext {
  now: number;
  config: Config;
  silences: ActiveSilences;
  outbox: OutboxWriter;
  hermes: (ev: EventRecord, now: number) => TriageResult;
  /** Whether an AI triager will follow up (the first message says so). */
  aiTriage: boolean;
}

/**
 * One small step of the pipeline (after Alertmanager's notify.Stage).
 * Stages run synchronously inside the processing transaction.
 */
export interface Stage {
  /** Its slot in the pipeline (router/pipeline.ts), which fixes where it runs. */
  readonly name: StageName;
  /** Run even when an earlier stage held the notification back (e.g. triage, for the console). */
  readonly always?: boolean;
  run(ev: EventRecord, d: Decision, sc: StageContext): void;
  /** After the batch's last event, inside its transaction: queue what the stage kept back for the batch. */
  endBatch?(sc: StageContext): void;
  /** The batch failed (its transaction rolls back): forget what was kept for it. */
  dropBatch?(): void;
}

/**
 * The last entry each stage wrote. Consecutive events of a storm say the same at the same millisecond ("no active
 * silence matches", "routes #0 → sink", the runner's "nothing to do"): they share that entry, an object each fewer,
 * and the trace codec knows its stored text by the object (store/trace-codec.ts). Entries are never changed once made.
 */
const last = new Map<string, TraceEntry>();
const entry = (at: number, stage: string, result: string, detail: string): TraceEntry => {
  const e = last.get(stage);
  if (e !== undefined && e.at === at && e.detail === detail && e.result === result) return e;
  const made = { at, stage, result, detail };
  last.set(stage, made);
  return made;
};

export const trace = (d: Decision, at: number, stage: string, result: string, detail: string): void => {
  d.trace.push(entry(at, stage, result, detail));
};

/** The runner's entry for a stage a notified event passed with nothing to say (router/decide.ts). */
export const idle = (stage: string, at: number): TraceEntry => entry(at, stage, 'pass', 'nothing to do');

/** Hold the notification back: the event stays stored and visible, with the reason in its trace. */
export const hold = (d: Decision, at: number, stage: string, result: RouterResult, detail: string): void => {
  d.notify = false;
  d.result = result;
  trace(d, at, stage, 'held', detail);
};
