import type { OutboxRow } from '../store';
import type { Message, MessageKind } from './types';

/** What an alert is now, as the router and the acknowledgements record it. */
export interface AlertNow {
  status: 'firing' | 'resolved';
  /** When it last changed (for resolved: when it resolved). */
  changedAt: number;
  /** The active acknowledgement of its current firing, if any. */
  ack: { by: string; at: number } | null;
}

/** The outcome for one queued message: send this (maybe rewritten) message, or drop it for the reason given. */
export type Reconciled = { send: Message } | { drop: string };

/** Kinds that announce a firing alert: the ones a later acknowledgement or resolution makes stale. */
const ANNOUNCES: ReadonlySet<MessageKind> = new Set(['alert', 'update', 'escalation', 'triage']);

export interface ReconcileInput {
  row: OutboxRow;
  channelType: string;
  now: number;
  /** Read only for messages that announce a firing alert. */
  alert: () => AlertNow | null;
  /** Resolutions queued (or sent) on this channel after this row. */
  resolutionsAfter: () => Message[];
}

/** Whether reconciling this message reads its alert (only news of a firing alert can have gone stale). */
export const readsAlert = (m: Message): m is Message & { fingerprint: string } =>
  m.fingerprint !== null && m.status === 'firing' && ANNOUNCES.has(m.kind);

/**
 * A queued message is sent as what its alert is now, never as news that is
 * no longer true (R-NOTIFY-2, R-ROUTE-8): a channel that recovers after an
 * acknowledgement or a resolution must not page anyone with the old state.
 */
export function reconcile({ row, channelType, now, alert: read, resolutionsAfter }: ReconcileInput): Reconciled {
  const m = row.message;
  if (!readsAlert(m)) return { send: m };
  const alert = read();
  if (!alert) return { send: m };
  const at = (t: number) => {
    // 12:10 UTC, with the date when it is not today's.
    const iso = new Date(t).toISOString();
    return `${iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? '' : `${iso.slice(0, 10)} `}${iso.slice(11, 16)} UTC`;
  };
  if (alert.status === 'resolved' && alert.changedAt >= row.createdAt) {
    if (m.kind === 'escalation' || resolutionsAfter().some((r) => covers(r, m)))
      return { drop: `not sent: the alert resolved at ${at(alert.changedAt)} before delivery; its resolution is sent instead` };
    return {
      send: {
        ...withoutAckButtons(m),
        status: 'resolved',
        title: `RESOLVED before delivery: ${m.title}`,
        body: `It resolved at ${at(alert.changedAt)}, before this could be delivered.\n${m.body}`,
      },
    };
  }
  const ack = alert.status === 'firing' ? alert.ack : null;
  if (ack && ack.at >= row.createdAt) {
    const who = `acknowledged by ${ack.by} at ${at(ack.at)} before delivery`;
    if (m.kind === 'escalation') return { drop: `not sent: ${who}; no escalation is needed` };
    // A pager would page someone for an alert a person is already handling.
    if (channelType === 'pagerduty') return { drop: `not sent: ${who}; nobody is paged for an alert someone is handling` };
    return {
      send: {
        ...withoutAckButtons(m),
        title: `ACKNOWLEDGED by ${ack.by}: ${m.title}`,
        body: `Acknowledged by ${ack.by} at ${at(ack.at)}, before this could be delivered.\n${m.body}`,
        acknowledged: { by: ack.by, at: ack.at },
      },
    };
  }
  return { send: m };
}

/** A resolution of this alert, or of a group it belongs to (a group's labels are a subset of its members'). */
function covers(resolution: Message, m: Message): boolean {
  if (resolution.fingerprint !== null) return resolution.fingerprint === m.fingerprint;
  return Object.entries(resolution.labels).every(([k, v]) => m.labels[k] === v);
}

/** An announcement's only buttons are "Acknowledge", which no longer applies. */
function withoutAckButtons(m: Message): Message {
  const { buttons: _gone, ...rest } = m;
  return rest;
}
