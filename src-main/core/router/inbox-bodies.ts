import { INTAKE_READERS, type IntakeKind } from '../ingest';
import type { InboxBody, NewEvent } from '../store';
import { intakeTrace } from './records';

/**
 * The inbox text the intake thread writes (R-SCALE-40): each request's body as it came, beside what its events are
 * made from again — the adapter (`kind`), its arrival (`at`: receivedAt, the trace's time and Prometheus's "now"),
 * `via` and the ids it was answered with — in `{"bodies":[…]}` (store/inbox.ts `inboxEvents` reads it with
 * `bodyEvents`). The body was parsed and checked (secure-json-parse's refusals, the adapter's) before it got here,
 * so it is one JSON value and goes into the text unchanged: no object is made or stringified for the inbox. A
 * 20-alert webhook's entry is ~7 KB where the parsed events stringified took ~10.7 KB.
 */
export const bodyEntry = (kind: IntakeKind, at: number, via: string, ids: string[], body: string): string =>
  `{"kind":"${kind}","at":${at},"via":${JSON.stringify(via)},"ids":["${ids.join('","')}"],"body":${body}}`;

/** A group commit's inbox text from its requests' entries (`bodyEntry`). */
export const bodiesText = (entries: string[]): string => `{"bodies":[${entries.join(',')}]}`;

/**
 * A stored request's events, made as the intake thread made them when it accepted the request: the same adapter on
 * the same body and arrival time, the same ids in order, the request's trace (arrival, "normalise", "persist"). A
 * body that no longer reads as it did (an adapter changed under a stored row) is an error, not fewer events: its
 * events were acknowledged.
 */
export function bodyEvents(b: InboxBody): NewEvent[] {
  const read = INTAKE_READERS[b.kind as IntakeKind];
  const n = read?.(b.body, b.at);
  if (!n?.ok || n.events.length !== b.ids.length)
    throw new Error(
      `an inbox request (${b.kind}, ${b.ids.length} events accepted) no longer reads as accepted: ${n ? (n.ok ? `${n.events.length} events` : n.message) : 'no such adapter'}`,
    );
  const trace = intakeTrace(b.via, b.ids.length, b.at);
  const out = n.events as NewEvent[];
  for (let k = 0; k < out.length; k++) {
    // Completed in place (made just now), as inboxEvents completes a parsed entry; each event owns its trace array.
    const e = out[k]!;
    e.id = b.ids[k]!;
    e.receivedAt = b.at;
    e.trace = k ? trace.slice() : trace;
  }
  return out;
}
