import type { CoreContext } from '../app';
import { VigilError } from '../errors';
import type { OutboxWriter } from '../notify/types';
import { createPolicy } from '../remote/policy';
import { sqlitePlanRepository } from '../store/plans';
import { createPlans, handleTelegramCallback, type HealGateway } from './elephant';
import type { TelegramUpdate } from './elephant/telegram';
import { createLlmClient } from './llm/client';
import { createNemotron, type Nemotron } from './nemotron/nemotron';
import type { RecentEvents } from './nemotron/types';
import { createOpenClaw, SAFE_ACTIONS, type AuditWriter } from './openclaw';

/** What the agents need from other areas; each is passed in app.ts once that area exists. */
export interface AgentDeps {
  /** The audit chain (core/audit). Without it safe actions, plans and HITL decisions refuse to run. */
  audit?: AuditWriter;
  /** The durable outbox (core/notify): HITL prompts and notify steps. */
  outbox?: OutboxWriter;
  /** The router: NemoTron plugs in as its AI triager; recent_events reads its store. */
  router?: { useTriager(t: Nemotron | null): void; events: RecentEvents };
  /** core/remote diagnostics: policy check, audit, SSH (run_diagnostic and diagnose steps). */
  diagnostics?: { run(host: string, command: string, actor: string, opts?: { timeoutMs?: number }): Promise<{ exitCode: number | null; stdout: string; stderr: string; truncated: boolean }> };
  /** AutoHeal (core/heal): the only way a plan's heal step acts. */
  heal?: HealGateway;
  /** Names in the AutoHeal catalogue (suggestedActions, heal steps). */
  healActions?: readonly string[];
  /** AutoHeal's pending approvals, so vigil_hitl_pending counts both kinds. */
  healPending?: () => number;
}

const noAudit: AuditWriter = {
  append() {
    throw new VigilError('unavailable', 'the audit log is not available, so nothing that must be audited was done');
  },
};

const areas = new WeakMap<CoreContext, Agents>();
/** The agents of a core, for shells that only hold the core (the Telegram callback route). */
export const agentsOf = (ctx: CoreContext): Agents | null => areas.get(ctx) ?? null;

/** Build OpenClaw, NemoTron and ElephantAlpha on the core context. */
export function wireAgents(ctx: CoreContext, deps: AgentDeps = {}) {
  const audit = deps.audit ?? noAudit;
  const hosts = () => ctx.config.hosts.map((h) => ({ name: h.name, tags: h.tags }));
  const healActions = () => deps.healActions ?? [];
  const policy = createPolicy();

  // ── OpenClaw ──
  const openclaw = createOpenClaw({ db: ctx.db, embeddings: ctx.config.embeddings, clock: ctx.clock, metrics: ctx.metrics, fetch: ctx.fetch, audit, log: ctx.log });
  ctx.onStart(() => openclaw.worker.start());
  ctx.onStop(() => openclaw.worker.stop());

  // ── NemoTron (only with an `llm` section; without a key it still runs and falls back as no_key) ──
  let nemotron: Nemotron | null = null;
  if (ctx.config.llm && deps.router) {
    const llm = ctx.config.llm;
    nemotron = createNemotron({
      llm: createLlmClient({ config: llm, secrets: ctx.secrets, fetch: ctx.fetch, clock: ctx.clock }),
      clock: ctx.clock,
      policy,
      exec: deps.diagnostics ? { exec: (host, command, o) => deps.diagnostics!.run(host, command, 'nemotron', o) } : null,
      hosts,
      memory: (q, o) => openclaw.search(q, { mode: 'auto', limit: o.limit, signal: o.signal }),
      events: deps.router.events,
      actions: () => [...healActions(), ...SAFE_ACTIONS],
      maxSteps: llm.maxSteps,
      budgetMs: llm.triageBudget,
      log: ctx.log,
    });
    deps.router.useTriager(nemotron);
  }

  // ── ElephantAlpha ──
  const plans = createPlans({
    repo: sqlitePlanRepository(ctx.db),
    clock: ctx.clock,
    metrics: ctx.metrics,
    audit,
    log: ctx.log,
    outbox: deps.outbox ?? null,
    hitlChannels: () => ctx.config.channels.filter((c) => c.type === 'telegram' || c.type === 'desktop'),
    hosts: () => hosts().map((h) => h.name),
    channels: () => ctx.config.channels.map((c) => c.name),
    healActions,
    diagnose: deps.diagnostics
      ? async (host, command, actor) => {
          const tags = hosts().find((h) => h.name === host)?.tags ?? [];
          const v = policy.check(command, tags);
          if (!v.allowed) throw new VigilError('forbidden', `refused by the diagnostic policy: ${v.reason}`);
          const r = await deps.diagnostics!.run(host, command, actor);
          return `exit ${r.exitCode ?? 'killed'}\n${r.stdout.slice(-3000)}${r.stderr ? `\nstderr: ${r.stderr.slice(-1000)}` : ''}`;
        }
      : null,
    safeAction: (action, subject, actor) => openclaw.safe.run(action, subject, actor),
    heal: deps.heal ?? null,
    changed: (...what) => ctx.changed(...what),
    otherPending: deps.healPending,
  });
  ctx.onStart(() => plans.elephant.resume());
  ctx.onStop(() => plans.elephant.stop());

  ctx.statusProviders.push(() => {
    const c = openclaw.repo.queueCounts();
    const stale = openclaw.repo.staleCount(ctx.clock.now() - 120_000);
    const provider = openclaw.embedder ? openclaw.embedder.model : 'keyword search only (no embedding provider)';
    const hitl = plans.elephant.pendingApprovals();
    return [
      { id: 'openclaw', label: 'OpenClaw memory', status: c.failed > 0 || stale > 0 ? 'warning' : 'ok', value: `${c.pending} pending`, reason: `${provider}; ${c.done} embedded, ${c.failed} failed, ${stale} stale` },
      {
        id: 'elephant',
        label: 'ElephantAlpha approvals',
        status: 'ok',
        value: `${hitl.count} waiting`,
        reason: hitl.oldest ? `oldest since ${new Date(hitl.oldest).toISOString()}` : 'no plan waits for a person',
      },
      { id: 'nemotron', label: 'NemoTron', status: 'ok', value: nemotron ? 'on' : 'off', reason: nemotron ? `models: ${ctx.config.llm?.models.join(', ')}` : 'no llm section: Hermes rules triage alone' },
    ];
  });

  const agents = {
    openclaw,
    nemotron,
    elephant: plans.elephant,
    /** A Telegram inline-button press (webhook route or poller). */
    telegramCallback: (update: TelegramUpdate) => handleTelegramCallback(update, { elephant: plans.elephant, channels: () => ctx.config.channels, audit }),
    handlers: { ...openclaw.handlers, ...plans.handlers },
  };
  areas.set(ctx, agents);
  return agents;
}
export type Agents = ReturnType<typeof wireAgents>;
