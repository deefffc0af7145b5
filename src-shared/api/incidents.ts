import { z } from 'zod';
import { method } from './define';

/** Incidents (R-LOOP-3): one per firing alert group, with everything that happened to it. */
export const TimelineEntry = z.object({
  at: z.number(),
  /** opened, alert, notification, ack, escalation, change, plan, diagnosis, approval, heal, verification, resolution, note */
  kind: z.string(),
  text: z.string(),
  actor: z.string(),
  ref: z.string().nullable(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const IncidentSummary = z.object({
  id: z.string(),
  title: z.string(),
  severity: z.string(),
  status: z.enum(['open', 'resolved']),
  labels: z.record(z.string(), z.string()),
  openedAt: z.number(),
  resolvedAt: z.number().nullable(),
  members: z.array(z.string()),
});
export type IncidentSummary = z.infer<typeof IncidentSummary>;

export const IncidentView = IncidentSummary.extend({ timeline: z.array(TimelineEntry) });
export type IncidentView = z.infer<typeof IncidentView>;

export const RecallLine = z.object({
  action: z.string(),
  target: z.string(),
  host: z.string(),
  fixed: z.number(),
  tried: z.number(),
  lastAt: z.number(),
  text: z.string(),
});

const id = z.string().min(1).max(64);
export const incidentsApi = {
  'incidents.list': method(
    z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    z.object({ items: z.array(IncidentSummary) }),
    'Incidents, open first, newest first.',
  ),
  'incidents.get': method(z.object({ id }).strict(), IncidentView, 'One incident with its whole timeline, oldest first.'),
  'incidents.note': method(
    z.object({ id, by: z.string().trim().min(1).max(100), text: z.string().trim().min(1).max(4000) }).strict(),
    TimelineEntry,
    'Add a note to an incident timeline.',
  ),
  'incidents.export': method(
    z.object({ id, format: z.enum(['md', 'ndjson']).default('md') }).strict(),
    z.object({ format: z.enum(['md', 'ndjson']), filename: z.string(), text: z.string() }),
    'A post-incident draft in markdown (impact window, changes, what was done, what helped, timeline) or the raw records as NDJSON.',
  ),
  'loop.recall': method(
    z.object({ eventId: z.string().min(1).max(200) }).strict(),
    z.object({ alertname: z.string(), lines: z.array(RecallLine) }),
    'What fixed this alert before: verified heal outcomes by action, target and host.',
  ),
};
