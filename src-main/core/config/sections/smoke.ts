import { z } from 'zod';
import { Duration } from '../../duration';
import { Name as name } from '../../schema-parts';

// vigil.yaml: the self-checks (smoke) section.

/** A warning/critical pair: a value at or above `critical` is Critical, at or above `warning` is Warning. */
const limits = (warning: number, critical: number) =>
  z
    .object({ warning: z.number().nonnegative().default(warning), critical: z.number().nonnegative().default(critical) })
    .strict()
    .refine((l) => l.critical >= l.warning, { message: 'critical must be at least warning' })
    .prefault({});
const ageLimits = (warning: number, critical: number) =>
  z
    .object({ warning: Duration.default(warning), critical: Duration.default(critical) })
    .strict()
    .refine((l) => l.critical >= l.warning, { message: 'critical must be at least warning' })
    .prefault({});

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as "Europe/Berlin" or "UTC"' },
);

/** Self-checks (R-SMOKE): schedule, retention, daily summary and per-check thresholds. */
export const SmokeConfig = z
  .object({
    enabled: z.boolean().default(true),
    interval: Duration.default(60_000),
    retention: Duration.default(90 * 86_400_000),
    summaryAt: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM')
      .default('09:10'),
    /** Zone of summaryAt; default: the machine's local zone. */
    summaryTimeZone: timeZone.optional(),
    summaryChannels: z.array(name).default([]),
    thresholds: z
      .object({
        routerQueue: z
          .object({ depth: limits(100, 1000), oldestAge: ageLimits(60_000, 300_000) })
          .strict()
          .prefault({}),
        outbox: z
          .object({ pending: limits(10, 100), oldestAge: ageLimits(300_000, 1_800_000) })
          .strict()
          .prefault({}),
        nemotronFallback: z
          .object({
            window: Duration.default(3_600_000),
            /** Fewer triage attempts than this in the window: too few to judge a rate. */
            minSamples: z.number().int().min(1).default(5),
            rate: z
              .object({ warning: z.number().min(0).max(1).default(0.2), critical: z.number().min(0).max(1).default(0.5) })
              .strict()
              .refine((l) => l.critical >= l.warning, { message: 'critical must be at least warning' })
              .prefault({}),
          })
          .strict()
          .prefault({}),
        embeddings: z
          .object({ pending: limits(100, 1000), stale: limits(1, 10), failed: limits(1, 20) })
          .strict()
          .prefault({}),
        hitl: z
          .object({ pending: limits(5, 20), oldestAge: ageLimits(1_800_000, 7_200_000) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});
