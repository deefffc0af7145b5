/**
 * What the self-checks read (R-SMOKE-1). Each area's repository answers
 * with plain numbers; app.ts wires them. A source left undefined means the
 * area is not wired in this build, and its check says so instead of
 * guessing. Every source is read-only and local: no external network.
 */
export type Maybe<T> = T | Promise<T>;

export interface SmokeSources {
  /** Router intake: events stored but not yet through the pipeline; null while no router is attached. */
  routerQueue?: () => Maybe<{ depth: number; oldestAt: number | null; notDecided?: string | null } | null>;
  /** Outbox: undelivered messages per channel. */
  outboxBacklog?: () => Maybe<Array<{ channel: string; pending: number; oldestAt: number | null }>>;
  /**
   * AutoHeal: of the configured protected rules, how many the live guard
   * denies when asked (it must deny every one).
   */
  protectedGuard?: () => Maybe<{ configured: number; denied: number }>;
  /** NemoTron triage attempts and fallbacks to Hermes since `since` (epoch ms). */
  agentOutcomes?: (since: number) => Maybe<{ attempts: number; fallbacks: number }>;
  /** OpenClaw embedding queue: waiting, stuck in processing past the timeout, failed. */
  embeddingQueue?: () => Maybe<{ pending: number; stale: number; failed: number }>;
  /** ElephantAlpha HITL: pending approvals and the oldest one's creation time. */
  approvals?: () => Maybe<{ pending: number; oldestAt: number | null }>;
}
