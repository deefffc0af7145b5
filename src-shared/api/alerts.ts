import { z } from 'zod';
import { AlertStatus, Severity } from '../constants';
import { method } from './define';

/**
 * The alert model (R-ALERT-1), shaped as Alertmanager API v2's
 * `gettableAlert` so the same object serves amtool, Grafana and Karma
 * (R-ALERT-2) and the console. What Vigil knows beyond Alertmanager
 * (acknowledgement, escalation, mute windows, severity) is added under
 * `vigil`, never by changing an Alertmanager field.
 */
const LabelSet = z.record(z.string(), z.string());

export const AlertVigil = z.object({
  source: z.string(),
  severity: Severity,
  /** firing, or resolved (by the source, or because its endsAt passed). */
  status: AlertStatus,
  summary: z.string(),
  /** Events seen for this firing (its history is in the events). */
  count: z.number(),
  firstSeen: z.number(),
  lastEventId: z.string(),
  /** Mute windows (config) holding it now. */
  mutedBy: z.array(z.string()),
  ack: z.object({ by: z.string(), at: z.number(), note: z.string().nullable() }).nullable(),
  /** An escalation step fired for this firing. */
  escalated: z.boolean(),
});
export type AlertVigil = z.infer<typeof AlertVigil>;

export const Alert = z.object({
  labels: LabelSet,
  annotations: LabelSet,
  receivers: z.array(z.object({ name: z.string() })),
  fingerprint: z.string(),
  startsAt: z.string(),
  updatedAt: z.string(),
  endsAt: z.string(),
  generatorURL: z.string().optional(),
  status: z.object({
    state: z.enum(['unprocessed', 'active', 'suppressed']),
    silencedBy: z.array(z.string()),
    inhibitedBy: z.array(z.string()),
  }),
  vigil: AlertVigil,
});
export type Alert = z.infer<typeof Alert>;

export const AlertGroup = z.object({
  labels: LabelSet,
  receiver: z.object({ name: z.string() }),
  alerts: z.array(Alert),
});
export type AlertGroup = z.infer<typeof AlertGroup>;

/** Alertmanager's query flags plus typed matchers (`alertname=~"Disk.*"`), parsed by src-shared/matchers. */
export const AlertQuery = z
  .object({
    filter: z.array(z.string().max(4000)).max(50).default([]),
    active: z.boolean().default(true),
    silenced: z.boolean().default(true),
    inhibited: z.boolean().default(true),
    unprocessed: z.boolean().default(true),
    /** Regex over receiver names, anchored (Alertmanager's `receiver`). */
    receiver: z.string().max(1000).optional(),
    /** Console only: resolved alerts too (the API serves firing ones, like Alertmanager). */
    includeResolved: z.boolean().default(false),
  })
  .strict();
export type AlertQuery = z.input<typeof AlertQuery>;

/** What pulls a person back (R-ALERT-6/7): counts for the tab title and favicon, and the critical alerts waiting. */
export const AlertSummary = z.object({
  firing: z.number(),
  /** Firing, not acknowledged and not suppressed: what waits for a person. */
  unacknowledged: z.number(),
  criticalUnacknowledged: z.number(),
  /** The newest waiting critical alerts (≤ 20), for browser notifications. */
  critical: z.array(z.object({ fingerprint: z.string(), summary: z.string(), startsAt: z.string() })),
});
export type AlertSummary = z.infer<typeof AlertSummary>;

export const alertsApi = {
  'alerts.summary': method(
    z.object({}).strict(),
    AlertSummary,
    'Counts of firing and waiting alerts, and the newest waiting critical ones.',
  ),
  'alerts.list': method(
    AlertQuery,
    z.array(Alert),
    'Alerts (Alertmanager API v2 gettableAlert + vigil fields), most severe and newest first.',
  ),
  'alerts.groups': method(
    AlertQuery,
    z.array(AlertGroup),
    "Alerts grouped by their route's groupBy labels (default alertname), most severe and largest first.",
  ),
  'alerts.receivers': method(
    z.object({}).strict(),
    z.array(z.object({ name: z.string() })),
    'The channels alerts can reach (Alertmanager receivers).',
  ),
};
