import type { EventRecord, NewEvent } from '../store';
import { eventId } from './ids';

/** A normalised event as the ingest adapters hand it over (before persist). */
export type IntakeEvent = Omit<NewEvent, 'id' | 'receivedAt' | 'trace'>;

/** The trace an intake request's events begin with (normalised, stored): the same for every event of the request. */
export const intakeTrace = (via: string, n: number, now: number): EventRecord['trace'] => [
  { at: now, stage: 'normalise', result: 'pass', detail: via },
  { at: now, stage: 'persist', result: 'pass', detail: `stored (intake batch of ${n})` },
];

/** Intake events, in groups by where they came from, as the records the inbox stores and the stages decide. */
export function buildRecords(groups: Array<{ events: IntakeEvent[]; via: string }>, now: number): EventRecord[][] {
  // Each record owns its trace (the stages append to it).
  return groups.map((g) => g.events.map((e) => record(e, eventId(now), now, intakeTrace(g.via, g.events.length, now))));
}

/** A replayed batch's stored events (the decider thread reads every event of a storm back), as fresh (not yet inserted) records. */
export const fresh = (e: NewEvent): EventRecord => record(e, e.id, e.receivedAt, e.trace);

/**
 * One object per event, used for the insert and by the stages (a storm makes every allocation count).
 * Fields copied by name, not spread: a spread object literal is several times slower to build.
 */
const record = (e: IntakeEvent, id: string, receivedAt: number, trace: EventRecord['trace']): EventRecord => ({
  id,
  source: e.source,
  fingerprint: e.fingerprint,
  severity: e.severity,
  status: e.status,
  summary: e.summary,
  description: e.description,
  labels: e.labels,
  startsAt: e.startsAt,
  endsAt: e.endsAt,
  receivedAt,
  trace,
  annotations: e.annotations,
  generatorURL: e.generatorURL,
  origin: e.origin,
  seq: 0,
  processed: false,
  outcome: null,
  triage: null,
  channels: [],
});
