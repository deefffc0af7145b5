import { z } from 'zod';
import { Duration } from '../../duration';
import { Name as name } from '../../schema-parts';

// vigil.yaml: routes (with their escalation steps) and mute windows.

export const labelMatch = z.record(z.string(), z.string());

/** The escalation target meaning the person after the one on call (issue 18.5; resolved by the oncall area). */
export const NEXT_IN_ROTATION = 'next-in-rotation';

export const EscalationStep = z
  .object({
    after: Duration,
    channels: z.array(name).min(1).describe('channels to hand on to; `next-in-rotation`: the person after the one on call (oncall routes)'),
  })
  .strict();

export const RouteConfig = z
  .object({
    match: labelMatch.default({}),
    channels: z.array(name),
    groupBy: z.array(z.string()).default(['alertname']),
    escalate: z.array(EscalationStep).default([]),
    continue: z.boolean().default(false),
  })
  .strict();

export const MuteWindow = z
  .object({
    name,
    weekdays: z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).min(1),
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM'),
    end: z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'expected HH:MM'),
    timeZone: z.string().default('UTC'),
    match: labelMatch.default({}),
  })
  .strict();
