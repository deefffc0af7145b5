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
 * the same body and arrival time, the same ids in order, the request's trace (arrival, "normalise", "persist").
 */
export function bodyEvents(b: InboxBody): NewEvent[] {
  const read = INTAKE_READERS[b.kind as IntakeKind];
  const n = read?.(b.body, b.at);
  const trace = intakeTrace(b.via, b.ids.length, b.at);
  const why = !n ? 'no such adapter' : !n.ok ? n.message : n.events.length !== b.ids.length ? `${n.events.length} events` : null;
  const out = why === null ? (n!.ok ? (n!.events as NewEvent[]) : []) : unreadable(b, why);
  for (let k = 0; k < out.length; k++) {
    // Completed in place (made just now), as inboxEvents completes a parsed entry; each event owns its trace array.
    const e = out[k]!;
    e.id = b.ids[k]!;
    e.receivedAt = b.at;
    e.trace = k ? trace.slice() : trace;
  }
  return out;
}

/**
 * A body that no longer reads as it did when it was accepted (an adapter changed between versions while its row
 * waited): its events were acknowledged, so they are neither dropped nor left to fail the batch, which would hold
 * every later alert behind it. Each acknowledged id becomes a critical Vigil event that says so, one alert for the
 * kind; the first holds the body as it came, so nothing sent is lost and a human can read it.
 */
function unreadable(b: InboxBody, why: string): NewEvent[] {
  const n = b.ids.length;
  const summary = `Vigil: an accepted ${b.kind} request (${n} events, ${b.via}) could not be read again by this version: ${why}`;
  return b.ids.map((id, k) => ({
    id,
    source: 'vigil',
    fingerprint: `vigil:inbox-unreadable:${b.kind}`,
    severity: 'critical',
    status: 'firing',
    summary: summary.slice(0, 1000),
    description: k
      ? `Event ${k + 1} of ${n} of the same request; its body is in event ${b.ids[0]}.`
      : `The body as it came:\n${JSON.stringify(b.body)}`,
    labels: { alertname: 'VigilInboxUnreadable', kind: b.kind },
    startsAt: null,
    endsAt: null,
    receivedAt: b.at,
    trace: [],
  }));
}
