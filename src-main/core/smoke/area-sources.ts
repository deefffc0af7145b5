import type { Config } from '../config';
import { protectedGuardCheck, type LiveFacts } from '../heal';
import type { SmokeSources } from './sources';
import { utcText } from '../duration';

/**
 * The read-only views of the other areas the checks need, typed by shape
 * (not by area module) so smoke stays loosely coupled. app.ts passes what
 * exists; what is missing leaves its check "not configured".
 */
export interface AreaReaders {
  /** Router inbox (stored, not yet processed); null while no router is attached. */
  inbox?: () => { count: number; oldest: number | null } | null;
  /** Why intake is not being decided (router.failing: since, error), or null while it is. */
  notDecided?: () => { since: number; error: string } | null;
  /** Outbox per channel; failed/expired counts are ignored here. */
  outboxCounts?: (failedSince: number) => Array<{ channel: string; backlog: number; oldestPendingAt: number | null }>;
  /** OpenClaw embedding queue counts and processing items older than `before`. */
  embeddingCounts?: () => { pending: number; failed: number };
  embeddingStale?: (before: number) => number;
  /** ElephantAlpha HITL prompts waiting. */
  hitlPending?: () => { count: number; oldest: number | null };
  /** AutoHeal approvals waiting (ElephantAlpha's bridge to AutoHeal). */
  healPending?: () => Array<{ createdAt: number }>;
  /** The running AutoHeal's protection verdict (heal.protectedReason): the check asks it, not the rules themselves. */
  protects?: (kind: 'service' | 'container', target: string, live?: LiveFacts) => string | null;
}

/** An item stuck in "processing" longer than this is stale (OpenClaw resets it after the same time). */
export const EMBEDDING_STALE_MS = 120_000;

export function sourcesFrom(config: Config, r: AreaReaders, now: () => number): SmokeSources {
  const s: SmokeSources = {};
  const protects = r.protects;
  if (protects) s.protectedGuard = () => protectedGuardCheck(config.protected, protects);
  if (r.inbox) {
    const inbox = r.inbox;
    const notDecided = r.notDecided;
    s.routerQueue = () => {
      const i = inbox();
      const f = notDecided?.();
      return i && { depth: i.count, oldestAt: i.oldest, notDecided: f ? `not being decided since ${utcText(f.since)}: ${f.error}` : null };
    };
  }
  if (r.outboxCounts) {
    const counts = r.outboxCounts;
    // Every configured channel is reported, the idle ones at zero.
    s.outboxBacklog = () => {
      const rows = new Map(counts(now()).map((c) => [c.channel, c]));
      return config.channels.map((ch) => ({
        channel: ch.name,
        pending: rows.get(ch.name)?.backlog ?? 0,
        oldestAt: rows.get(ch.name)?.oldestPendingAt ?? null,
      }));
    };
  }
  if (r.embeddingCounts && r.embeddingStale) {
    const counts = r.embeddingCounts;
    const stale = r.embeddingStale;
    s.embeddingQueue = () => {
      const c = counts();
      return { pending: c.pending, stale: stale(now() - EMBEDDING_STALE_MS), failed: c.failed };
    };
  }
  if (r.hitlPending || r.healPending) {
    const hitl = r.hitlPending;
    const heal = r.healPending;
    s.approvals = () => {
      const h = hitl?.() ?? { count: 0, oldest: null };
      const a = heal?.() ?? [];
      const oldest = [h.oldest, ...a.map((x) => x.createdAt)].filter((x): x is number => x !== null);
      return { pending: h.count + a.length, oldestAt: oldest.length ? Math.min(...oldest) : null };
    };
  }
  return s;
}
