import { z } from 'zod';
import { SmokeStatus } from '../constants';
import { method } from './define';

/** The six control-plane self-checks (R-SMOKE-1). */
export const SMOKE_CHECKS = [
  'router_queue',
  'outbox_backlog',
  'autoheal_protected',
  'nemotron_fallback',
  'openclaw_embeddings',
  'elephant_hitl',
] as const;
export const SmokeCheckId = z.enum(SMOKE_CHECKS);
export type SmokeCheckId = z.infer<typeof SmokeCheckId>;

export const SMOKE_CHECK_LABELS: Record<SmokeCheckId, string> = {
  router_queue: 'Router queue',
  outbox_backlog: 'Outbox backlog',
  autoheal_protected: 'AutoHeal protected resources',
  nemotron_fallback: 'NemoTron fallback rate',
  openclaw_embeddings: 'OpenClaw embedding queue',
  elephant_hitl: 'ElephantAlpha pending approvals',
};

/** One check's verdict: compact on purpose (R-SMOKE-2: no details, no secrets). */
export const SmokeCheckResult = z.object({
  check: SmokeCheckId,
  status: SmokeStatus,
  /** The number the verdict was taken on (depth, rate, count …); null when nothing was measured. */
  value: z.number().nullable(),
  reason: z.string(),
});
export type SmokeCheckResult = z.infer<typeof SmokeCheckResult>;

export const SmokeRun = z.object({
  at: z.number(),
  worst: SmokeStatus,
  results: z.array(SmokeCheckResult),
});
export type SmokeRun = z.infer<typeof SmokeRun>;

export const SmokeHistoryRow = SmokeCheckResult.extend({ id: z.number(), at: z.number() });
export type SmokeHistoryRow = z.infer<typeof SmokeHistoryRow>;

export const SmokeTrendPoint = z.object({ t: z.number(), ok: z.number(), warning: z.number(), critical: z.number() });
export type SmokeTrendPoint = z.infer<typeof SmokeTrendPoint>;

export const SmokeSummary = z.object({
  since: z.number(),
  until: z.number(),
  runs: z.number(),
  counts: z.object({ ok: z.number(), warning: z.number(), critical: z.number() }),
  /** Checks with any non-OK result, worst first (critical count, then warning count). */
  worstChecks: z.array(z.object({ check: SmokeCheckId, ok: z.number(), warning: z.number(), critical: z.number() })),
  /** The longest run of consecutive Critical results of one check, or null if there was none. */
  longestCriticalStreak: z.object({ check: SmokeCheckId, count: z.number(), from: z.number(), to: z.number() }).nullable(),
});
export type SmokeSummary = z.infer<typeof SmokeSummary>;

const epochMs = z.number().int().nonnegative();

export const smokeApi = {
  'smoke.run': method(z.object({}).strict(), SmokeRun, 'Run every self-check now and record the result.'),
  'smoke.latest': method(z.object({}).strict(), SmokeRun.nullable(), 'The most recent run (null before the first).'),
  'smoke.history': method(
    z
      .object({
        /** Rows older than this id (keyset paging, newest first); omit for the first page. */
        before: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(500).default(100),
        check: SmokeCheckId.optional(),
        status: SmokeStatus.optional(),
      })
      .strict(),
    z.object({ rows: z.array(SmokeHistoryRow), next: z.number().nullable() }),
    'History rows, newest first; pass `next` as `before` for the following page.',
  ),
  'smoke.trend': method(
    z
      .object({ bucket: z.enum(['hour', 'day']).default('hour'), since: epochMs.optional(), until: epochMs.optional() })
      .strict()
      .refine((i) => i.since === undefined || i.until === undefined || i.since < i.until, {
        message: 'since must be before until',
        path: ['since'],
      }),
    z.object({ bucketMs: z.number(), since: z.number(), until: z.number(), points: z.array(SmokeTrendPoint) }),
    'OK/Warning/Critical counts per bucket (≤ 500 points; buckets widen for long spans). Default: the last 7 days.',
  ),
  'smoke.summary': method(
    z.object({ since: epochMs.optional(), until: epochMs.optional() }).strict(),
    SmokeSummary,
    'Summary computed from history alone (default: the last 24 hours).',
  ),
  'smoke.clear': method(
    z.object({}).strict(),
    z.object({ deletedRows: z.number() }),
    'Delete smoke history and its rollup (nothing else); audited.',
  ),
  'smoke.sendSummary': method(
    z.object({}).strict(),
    z.object({ channels: z.array(z.string()), summary: SmokeSummary }),
    'Send the last 24 hours’ summary to smoke.summaryChannels through the outbox.',
  ),
};
