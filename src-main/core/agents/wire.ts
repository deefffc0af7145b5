import type { CoreContext } from '../app';
import { VigilError } from '../errors';
import { createOpenClaw, type AuditWriter } from './openclaw';

/** What the agents need from other areas; each is wired in app.ts once that area exists. */
export interface AgentDeps {
  /** The audit chain (core/audit). Without it the L2 safe actions refuse to run. */
  audit?: AuditWriter;
}

const noAudit: AuditWriter = {
  append() {
    throw new VigilError('unavailable', 'the audit log is not available, so no audited memory write was made');
  },
};

/** Build OpenClaw (and later NemoTron, ElephantAlpha) on the core context. */
export function wireAgents(ctx: CoreContext, deps: AgentDeps = {}) {
  const openclaw = createOpenClaw({
    db: ctx.db,
    embeddings: ctx.config.embeddings,
    clock: ctx.clock,
    metrics: ctx.metrics,
    fetch: ctx.fetch,
    audit: deps.audit ?? noAudit,
    log: ctx.log,
  });
  ctx.onStart(() => openclaw.worker.start());
  ctx.onStop(() => openclaw.worker.stop());
  ctx.statusProviders.push(() => {
    const c = openclaw.repo.queueCounts();
    const stale = openclaw.repo.staleCount(ctx.clock.now() - 120_000);
    const status = c.failed > 0 || stale > 0 ? 'warning' : 'ok';
    const provider = openclaw.embedder ? openclaw.embedder.model : 'keyword search only (no embedding provider)';
    return [{ id: 'openclaw', label: 'OpenClaw memory', status, value: `${c.pending} pending`, reason: `${provider}; ${c.done} embedded, ${c.failed} failed, ${stale} stale` }];
  });
  return { openclaw, handlers: { ...openclaw.handlers } };
}
