import { z } from 'zod';
import { AlertStatus, Severity } from '../constants';
import { method } from './define';

/** Acknowledgements and escalation chains (R-ROUTE-8, R-NOTIFY-5). */

/** Where an acknowledgement came from (vigil_acks_total{via}). */
export const AckVia = z.enum(['console', 'tray', 'notification', 'telegram', 'api']);
export type AckVia = z.infer<typeof AckVia>;

const fingerprint = z.string().min(1).max(500);
const person = z.string().trim().min(1, 'say who you are').max(100);
const note = z.string().trim().min(1, 'a note cannot be empty').max(2000);

export const AckRecord = z.object({
  by: z.string(),
  at: z.number(),
  via: AckVia,
  note: z.string().nullable(),
  /** active: holds repeats and escalation; unacked / resolved: ended (kept for the record). */
  state: z.enum(['active', 'unacked', 'resolved']),
  endedAt: z.number().nullable(),
  endedBy: z.string().nullable(),
});
export type AckRecord = z.infer<typeof AckRecord>;

export const AckHistoryEntry = z.object({
  at: z.number(),
  by: z.string(),
  via: z.string(),
  action: z.enum(['ack', 'unack', 'note', 'resolved']),
  note: z.string().nullable(),
});
export type AckHistoryEntry = z.infer<typeof AckHistoryEntry>;

export const EscalationStepInfo = z.object({
  step: z.number(),
  channels: z.array(z.string()),
  afterMs: z.number(),
  dueAt: z.number(),
  state: z.enum(['armed', 'fired', 'cancelled']),
  firedAt: z.number().nullable(),
  late: z.boolean(),
  /** Why it fired off schedule: late (`late`), or early when handed over before the laptop slept. */
  lateReason: z.string().nullable(),
  cancelReason: z.string().nullable(),
});
export type EscalationStepInfo = z.infer<typeof EscalationStepInfo>;

/** What the event detail shows about an alert's acknowledgement and escalation. */
export const AckInfo = z.object({
  fingerprint: z.string(),
  status: AlertStatus.nullable(),
  acknowledged: z.boolean(),
  ack: AckRecord.nullable(),
  history: z.array(AckHistoryEntry),
  /** Steps of the current (or last) firing's chain. */
  escalations: z.array(EscalationStepInfo),
  escalated: z.boolean(),
});
export type AckInfo = z.infer<typeof AckInfo>;

export const OpenAlert = z.object({
  fingerprint: z.string(),
  severity: Severity,
  summary: z.string(),
  firstSeen: z.number(),
  lastEventId: z.string(),
  acknowledged: z.boolean(),
  escalated: z.boolean(),
});
export type OpenAlert = z.infer<typeof OpenAlert>;

/** What one `alerts.ackMany` call did, alert by alert. */
export const AckManyResult = z.object({
  acknowledged: z.array(z.string()),
  /** Already acknowledged (by someone else, or a double click): the first acknowledgement is kept. */
  already: z.array(z.string()),
  failed: z.array(z.object({ fingerprint: z.string(), message: z.string() })),
});
export type AckManyResult = z.infer<typeof AckManyResult>;

/** A group acknowledged in one click is one call and one commit, not one round trip per alert. */
export const ACK_MANY_MAX = 500;

export const acksApi = {
  'alerts.ack': method(
    z.object({ fingerprint, by: person, note: note.optional(), via: AckVia.default('console') }).strict(),
    AckInfo,
    'Acknowledge a firing alert: its repeats and escalation stop until it resolves or is un-acknowledged.',
  ),
  'alerts.ackMany': method(
    z
      .object({
        fingerprints: z.array(fingerprint).min(1).max(ACK_MANY_MAX),
        by: person,
        note: note.optional(),
        via: AckVia.default('console'),
      })
      .strict(),
    AckManyResult,
    'Acknowledge many firing alerts at once (a whole group): one commit; an alert that is unknown or resolved is reported, the others are acknowledged.',
  ),
  'alerts.unack': method(
    z.object({ fingerprint, by: person, via: AckVia.default('console') }).strict(),
    AckInfo,
    'Withdraw an acknowledgement: repeats resume and the remaining escalation steps are armed again.',
  ),
  'alerts.addNote': method(
    z.object({ fingerprint, by: person, note, via: AckVia.default('console') }).strict(),
    AckInfo,
    'Add a note to an alert (kept in its history).',
  ),
  'alerts.ackInfo': method(
    z.object({ fingerprint }).strict(),
    AckInfo,
    'Who acknowledged an alert, when and with what notes; its escalation steps.',
  ),
  'alerts.open': method(
    z.object({ unacknowledgedOnly: z.boolean().default(false), limit: z.number().int().min(1).max(200).default(20) }).strict(),
    z.array(OpenAlert),
    'Alerts firing now, most severe and newest first, with their acknowledgement state (tray menu, console).',
  ),
};
