import { formatMessage } from '../message';
import { resolutionThread, threadOf } from '../incident-key';
import { trace, type Stage } from '../types';

/**
 * Enqueue one message per routed channel, inside the processing transaction.
 * The key (event id + kind + channel) makes a re-processed event a no-op in the outbox.
 */
export const outboxStage: Stage = {
  name: 'outbox',
  run(ev, d, sc) {
    const msg = formatMessage(ev, d.kind, d.triage, { count: d.next.count, aiFollows: sc.aiTriage });
    // A resolution sent here ends the incident only for an alert not grouped with others (a group resolves in the group stage).
    msg.thread = ev.status === 'resolved' ? resolutionThread(sc.config, ev) : threadOf(sc.config, ev);
    const to = d.later ?? sc.outbox; // a new group's first message waits for its batch's end (stages/group.ts)
    for (const ch of d.channels) to.enqueue(ch, msg, notificationKey(ev.id, d.kind, ch));
    d.result = 'notified';
    d.next.notifiedStatus = ev.status;
    d.next.notifiedAt = sc.now;
    trace(d, sc.now, 'outbox', 'notified', `${d.kind} queued for ${d.channels.join(', ')}`);
  },
};

export const notificationKey = (eventId: string, kind: string, channel: string): string => `${eventId}:${kind}:${channel}`;
