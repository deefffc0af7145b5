import type { CoreContext } from '../context';
import { threadOf } from '../router';
import type { Message, OutboxWriter } from '../notify';
import type { AlertState, OutboxStore } from '../store';

/** Channel types that page a phone and take an acknowledgement (PagerDuty Events API v2 `acknowledge`). */
const PAGERS = new Set(['pagerduty']);

/** One key per acknowledgement: a replayed transaction queues it once; a later re-ack (after an un-ack) is a new one. */
export const pagerAckKey = (fingerprint: string, ackId: number): string => `ack:${fingerprint}:${ackId}`;

export function ackMessage(s: AlertState, by: string, note: string | null): Message {
  return {
    kind: 'ack',
    title: `ACKNOWLEDGED by ${by}: ${s.severity.toUpperCase()}: ${s.summary}`,
    body: note ? `Acknowledged in Vigil by ${by}: ${note}` : `Acknowledged in Vigil by ${by}.`,
    severity: s.severity,
    eventId: s.lastEventId,
    fingerprint: s.fingerprint,
    status: 'firing',
    labels: s.labels,
  };
}

/**
 * R-ROUTE-8: an alert acknowledged in Vigil is acknowledged on the pagers
 * it reached too (routed or escalated: the outbox rows of this firing say
 * which), so PagerDuty stops paging. Call inside the acknowledgement's
 * transaction: the ack and its outbox rows commit together. Channels the
 * alert never reached, and non-pager channels, are not told.
 * Returns the channels the acknowledgement was queued for.
 */
export function createPagerAck(ctx: CoreContext, deps: { store: OutboxStore; writer: OutboxWriter }) {
  const pagers = ctx.config.channels.filter((c) => PAGERS.has(c.type)).map((c) => c.name);
  return (s: AlertState, ack: { id: number; by: string; note: string | null }): string[] => {
    if (!pagers.length) return [];
    const reached = deps.store.firingSentTo(s.fingerprint, s.firstSeen, pagers);
    if (!reached.length) return [];
    // With its incident thread: a page opened for the incident (routed) is acknowledged too (channels/pagerduty.ts).
    const msg = { ...ackMessage(s, ack.by, ack.note), thread: threadOf(ctx.config, s) };
    for (const ch of reached) deps.writer.enqueue(ch, msg, pagerAckKey(s.fingerprint, ack.id));
    return reached;
  };
}

export type PagerAck = ReturnType<typeof createPagerAck>;
