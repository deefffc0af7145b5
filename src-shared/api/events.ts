import { z } from 'zod';
import { AlertStatus, Severity } from '../constants';
import { TraceEntry, TriageResult } from '../domain';
import { method } from './define';

/** Events, silences and mute windows: what the Events and Silences pages call. */

export const EventSummary = z.object({
  id: z.string(),
  seq: z.number(),
  source: z.string(),
  fingerprint: z.string(),
  severity: Severity,
  status: AlertStatus,
  summary: z.string(),
  labels: z.record(z.string(), z.string()),
  receivedAt: z.number(),
  processed: z.boolean(),
  /** notified, deduped, silenced, muted, stored … (null while still in the inbox). */
  outcome: z.string().nullable(),
});
export type EventSummary = z.infer<typeof EventSummary>;

export const AlertCounters = z.object({
  count: z.number(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  notifiedAt: z.number().nullable(),
  notifiedStatus: AlertStatus.nullable(),
});
export type AlertCounters = z.infer<typeof AlertCounters>;

export const EventDetail = EventSummary.extend({
  description: z.string().nullable(),
  startsAt: z.number().nullable(),
  endsAt: z.number().nullable(),
  trace: z.array(TraceEntry),
  triage: TriageResult.nullable(),
  channels: z.array(z.string()),
  counters: AlertCounters.nullable(),
});
export type EventDetail = z.infer<typeof EventDetail>;

export const MatcherOp = z.enum(['=', '!=', '=~', '!~']);
export const Matcher = z.object({ name: z.string().min(1).max(200), op: MatcherOp, value: z.string().max(1000) }).strict();
export type Matcher = z.infer<typeof Matcher>;

export const Silence = z.object({
  id: z.string(),
  matchers: z.array(Matcher),
  startsAt: z.number(),
  endsAt: z.number(),
  createdBy: z.string(),
  comment: z.string(),
  createdAt: z.number(),
  expiredAt: z.number().nullable(),
  state: z.enum(['pending', 'active', 'expired']),
  /** Alerts firing now that it matches (R-ALERT-3); 0 unless active. */
  covers: z.number(),
});
export type Silence = z.infer<typeof Silence>;

export const MuteWindowInfo = z.object({
  name: z.string(),
  weekdays: z.array(z.string()),
  start: z.string(),
  end: z.string(),
  timeZone: z.string(),
  match: z.record(z.string(), z.string()),
  activeNow: z.boolean(),
});

export const EventListInput = z
  .object({
    severity: z.array(Severity).max(3).optional(),
    status: AlertStatus.optional(),
    source: z.string().max(100).optional(),
    /** "name=value": events carrying that label. */
    label: z
      .string()
      .regex(/^[^=]+=.*$/, 'expected "name=value"')
      .max(500)
      .optional(),
    text: z.string().max(200).optional(),
    /** seq of the last item of the previous page. */
    cursor: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .strict();
export type EventListInput = z.infer<typeof EventListInput>;

const matchers = z.array(Matcher).min(1).max(50);

export const eventsApi = {
  'events.list': method(
    EventListInput,
    z.object({ items: z.array(EventSummary), nextCursor: z.number().nullable() }),
    'Stored events, newest first, filtered; cursor pagination.',
  ),
  'events.get': method(z.object({ id: z.string().min(1) }).strict(), EventDetail, 'One event with its trace, triage and dedupe counters.'),
  'events.stats': method(
    z.object({ from: z.number().optional(), to: z.number().optional() }).strict(),
    z.object({
      bucketMs: z.number(),
      points: z.array(z.object({ t: z.number(), info: z.number(), warning: z.number(), critical: z.number() })),
    }),
    'Event counts per time bucket (≤ 500 points, default the last hour per minute) for the rate chart.',
  ),
  'silences.list': method(
    z.object({ includeExpired: z.boolean().default(false) }).strict(),
    z.array(Silence),
    'Silences, active and pending first.',
  ),
  'silences.create': method(
    z
      .object({
        matchers,
        startsAt: z.number().optional(),
        endsAt: z.number(),
        createdBy: z.string().min(1).max(100),
        comment: z.string().min(1).max(2000),
      })
      .strict(),
    Silence,
    'Silence events whose labels match every matcher between startsAt (default now) and endsAt.',
  ),
  'silences.expire': method(z.object({ id: z.string().min(1) }).strict(), Silence, 'End a silence now.'),
  'silences.preview': method(
    z.object({ matchers, limit: z.number().int().min(1).max(200).default(50) }).strict(),
    z.object({ scanned: z.number(), matched: z.number(), items: z.array(EventSummary) }),
    'Which recent stored events a matcher set would match.',
  ),
  'mutes.list': method(
    z.object({}).strict(),
    z.array(MuteWindowInfo),
    'Recurring mute windows from the config, and whether each is active now.',
  ),
};
