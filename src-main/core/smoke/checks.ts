import type { SmokeCheckId, SmokeCheckResult } from '../../../src-shared/api/smoke';
import { smokeStatusValue, type SmokeStatus } from '../../../src-shared/constants';
import type { Config } from '../config';
import type { SmokeSources } from './sources';

type Thresholds = Config['smoke']['thresholds'];
interface Limits {
  warning: number;
  critical: number;
}

/** What every check gets: the sources, its thresholds, the rest of the config and the time. */
export interface CheckInput {
  sources: SmokeSources;
  thresholds: Thresholds;
  config: Pick<Config, 'llm' | 'embeddings' | 'protected' | 'hosts'>;
  now: number;
}

type Check = (input: CheckInput) => Promise<SmokeCheckResult>;

export const grade = (value: number, l: Limits): SmokeStatus => (value >= l.critical ? 'critical' : value >= l.warning ? 'warning' : 'ok');
const limitOf = (s: SmokeStatus, l: Limits): number => (s === 'critical' ? l.critical : l.warning);
const worse = (a: SmokeStatus, b: SmokeStatus): SmokeStatus => (smokeStatusValue[b] > smokeStatusValue[a] ? b : a);

/** "45s", "12m", "3h 5m": ages in a reason line. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
}

const result = (check: SmokeCheckId, status: SmokeStatus, value: number | null, reason: string): SmokeCheckResult => ({
  check,
  status,
  value,
  reason,
});

/** An area not wired into this build: say so, never invent a number. */
const notWired = (check: SmokeCheckId, what: string): SmokeCheckResult =>
  result(check, 'warning', null, `not configured: no ${what} source is wired into this build, so it cannot be checked`);

/** A count and the age of its oldest item, each graded; the worse grade wins and the reason names both. */
function countAndAge(
  check: SmokeCheckId,
  noun: string,
  count: number,
  oldestAt: number | null,
  now: number,
  countL: Limits,
  ageL: Limits,
): SmokeCheckResult {
  const age = oldestAt === null || count === 0 ? 0 : Math.max(0, now - oldestAt);
  const byCount = grade(count, countL);
  const byAge = count === 0 ? 'ok' : grade(age, ageL);
  const status = worse(byCount, byAge);
  const notes: string[] = [];
  if (byCount !== 'ok') notes.push(`≥ ${limitOf(byCount, countL)}`);
  if (byAge !== 'ok') notes.push(`older than ${formatAge(limitOf(byAge, ageL))}`);
  const reason = count === 0 ? `no ${noun}` : `${count} ${noun}, oldest ${formatAge(age)}${notes.length ? ` (${notes.join(', ')})` : ''}`;
  return result(check, status, count, reason);
}

export const routerQueueCheck: Check = async ({ sources, thresholds, now }) => {
  const q = sources.routerQueue ? await sources.routerQueue() : null;
  if (!q) return notWired('router_queue', 'router queue');
  const t = thresholds.routerQueue;
  // However short the queue, nothing in it moves while deciding fails (R-SCALE-8).
  if (q.notDecided) return result('router_queue', 'critical', q.depth, `${q.depth} events waiting: ${q.notDecided}`);
  return countAndAge('router_queue', 'events waiting in the router', q.depth, q.oldestAt, now, t.depth, t.oldestAge);
};

export const outboxBacklogCheck: Check = async ({ sources, thresholds, now }) => {
  if (!sources.outboxBacklog) return notWired('outbox_backlog', 'outbox');
  const channels = await sources.outboxBacklog();
  const t = thresholds.outbox;
  let worst: SmokeCheckResult | null = null;
  for (const c of channels) {
    const r = countAndAge('outbox_backlog', 'pending', c.pending, c.oldestAt, now, t.pending, t.oldestAge);
    const scored = { ...r, reason: `${c.channel}: ${r.reason}` };
    if (
      !worst ||
      smokeStatusValue[r.status] > smokeStatusValue[worst.status] ||
      (r.status === worst.status && (r.value ?? 0) > (worst.value ?? 0))
    )
      worst = scored;
  }
  const total = channels.reduce((n, c) => n + c.pending, 0);
  if (!worst || worst.status === 'ok')
    return result(
      'outbox_backlog',
      'ok',
      total,
      total === 0 ? `no backlog on ${channels.length} channel(s)` : `${total} pending across ${channels.length} channel(s), within limits`,
    );
  return worst;
};

export const autohealProtectedCheck: Check = async ({ sources, config }) => {
  const configured = config.protected.length;
  if (configured === 0) {
    return config.hosts.length === 0
      ? result('autoheal_protected', 'ok', 0, 'no hosts configured: AutoHeal has nothing to act on')
      : result('autoheal_protected', 'warning', 0, 'no protected resources configured: database containers are not shielded from AutoHeal');
  }
  if (!sources.protectedGuard) return notWired('autoheal_protected', 'AutoHeal guard');
  const g = await sources.protectedGuard();
  const open = g.configured - g.denied;
  if (open > 0)
    return result(
      'autoheal_protected',
      'critical',
      open,
      `${open} of ${g.configured} protected rule(s) NOT enforced by the AutoHeal guard`,
    );
  return result('autoheal_protected', 'ok', g.configured, `${g.configured} protected rule(s) configured and enforced`);
};

export const nemotronFallbackCheck: Check = async ({ sources, thresholds, config, now }) => {
  if (!config.llm)
    return result('nemotron_fallback', 'ok', null, 'NemoTron not configured (no llm section): Hermes rules triage every event');
  if (!sources.agentOutcomes) return notWired('nemotron_fallback', 'agent outcome');
  const t = thresholds.nemotronFallback;
  const { attempts, fallbacks } = await sources.agentOutcomes(now - t.window);
  const window = formatAge(t.window);
  if (attempts < t.minSamples)
    return result(
      'nemotron_fallback',
      'ok',
      attempts === 0 ? null : fallbacks / attempts,
      `${attempts} triage attempt(s) in the last ${window}: too few to judge (minimum ${t.minSamples})`,
    );
  const rate = fallbacks / attempts;
  const status = grade(rate, t.rate);
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const limit = status === 'ok' ? '' : ` (≥ ${pct(limitOf(status, t.rate))})`;
  return result(
    'nemotron_fallback',
    status,
    rate,
    `${fallbacks} of ${attempts} triages fell back to Hermes in the last ${window}: ${pct(rate)}${limit}`,
  );
};

export const embeddingQueueCheck: Check = async ({ sources, thresholds, config }) => {
  // With no provider nothing drains the queue by design: not a fault.
  if (config.embeddings.provider === 'none')
    return result('openclaw_embeddings', 'ok', null, 'embeddings off (provider none): memory search uses keywords');
  if (!sources.embeddingQueue) return notWired('openclaw_embeddings', 'embedding queue');
  const q = await sources.embeddingQueue();
  const t = thresholds.embeddings;
  const parts: Array<[string, number, SmokeStatus]> = [
    ['pending', q.pending, grade(q.pending, t.pending)],
    ['stale', q.stale, grade(q.stale, t.stale)],
    ['failed', q.failed, grade(q.failed, t.failed)],
  ];
  const status = parts.reduce<SmokeStatus>((s, p) => worse(s, p[2]), 'ok');
  const reason = parts.map(([n, v, s]) => `${v} ${n}${s !== 'ok' ? ` (${s})` : ''}`).join(', ');
  return result('openclaw_embeddings', status, q.pending, reason);
};

export const hitlCheck: Check = async ({ sources, thresholds, now }) => {
  if (!sources.approvals) return notWired('elephant_hitl', 'approvals');
  const a = await sources.approvals();
  return countAndAge('elephant_hitl', 'approvals pending', a.pending, a.oldestAt, now, thresholds.hitl.pending, thresholds.hitl.oldestAge);
};

export const CHECKS: Record<SmokeCheckId, Check> = {
  router_queue: routerQueueCheck,
  outbox_backlog: outboxBacklogCheck,
  autoheal_protected: autohealProtectedCheck,
  nemotron_fallback: nemotronFallbackCheck,
  openclaw_embeddings: embeddingQueueCheck,
  elephant_hitl: hitlCheck,
};
