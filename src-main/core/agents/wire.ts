import type { Actor } from '../../../src-shared/api/access';
import type { StatusTile } from '../../../src-shared/api/system';
import type { CoreContext } from '../context';
import { clockTime, humanDuration } from '../ack';
import { VigilError } from '../errors';
import type { OutboxWriter } from '../notify';
import { createPolicy } from '../remote';
import type { HealRepository } from '../store';
import { createPlans, handleTelegramCallback, type HealGateway } from './elephant';
import type { LoopSteps } from './elephant/ports';
import type { TriageResult } from '../../../src-shared/domain';
import type { CallbackOutcome, TelegramUpdate } from './elephant/telegram';
import { createTelegramPoller } from './elephant/telegram-poller';
import { createLlmClient } from './llm/client';
import { LLM_PRESETS } from './llm/presets';
import { resolveSecret } from '../config';
import { createNemotron, type Nemotron } from './nemotron/nemotron';
import type { RecentEvents, DiagnosticPolicy } from './nemotron/types';
import { createOpenClaw, SAFE_ACTIONS, type AuditWriter } from './openclaw';
import { protectedByName, type Heal } from '../heal';
import { type Stage } from '../router';
import { safeActionStage } from './openclaw/router-stage';
import { Collection, Topic } from '../../../src-shared/api/topics';

/** What the agents need from other areas; each is passed in app.ts once that area exists. */
export interface AgentDeps {
  /** The audit chain (core/audit). Without it safe actions, plans and HITL decisions refuse to run. */
  audit?: AuditWriter;
  /** The durable outbox (core/notify): HITL prompts and notify steps. */
  outbox?: OutboxWriter;
  /** The router: NemoTron plugs in as its AI triager; recent_events reads its store; the safe-action stage goes into its pipeline. */
  router?: { useTriager(t: Nemotron | null): void; events: RecentEvents; fill?(stage: Stage): void };
  /** core/remote diagnostics: policy check, audit, SSH (run_diagnostic and diagnose steps). */
  diagnostics?: {
    run(
      host: string,
      command: string,
      actor: string,
      opts?: { timeoutMs?: number },
    ): Promise<{ exitCode: number | null; stdout: string; stderr: string; truncated: boolean }>;
  };
  /** AutoHeal (core/heal): the only way a plan's heal step acts. */
  heal?: HealGateway;
  /** Names in the AutoHeal catalogue (suggestedActions, heal steps). */
  healActions?: readonly string[];
  /** AutoHeal's pending approvals, so vigil_hitl_pending counts both kinds. */
  healPending?: () => number;
  /** The command policy from config (core/remote); default: the shipped read-only catalogue. */
  policy?: DiagnosticPolicy;
  /** The closed loop's verify and watch steps (core/loop). */
  loop?: LoopSteps;
  /** Told of each NemoTron triage result with the tool outputs it saw (core/loop proposes a plan from it). */
  onNemotron?: (eventId: string, result: TriageResult, tools: Array<{ name: string; args: string; output: string }>) => void;
  /** Other Telegram buttons taken by the getUpdates poller (e.g. the ack area's "ack:…" buttons). */
  otherButtons?: (update: TelegramUpdate) => CallbackOutcome;
  /** The person a Telegram user id belongs to (R-PEOPLE-2): their role decides, not the channel's approvers list. */
  telegramPerson?: (id: number) => Actor | null;
  /** The latest self-check result of one check (core/smoke): the NemoTron tile says what the fallback check says. */
  selfCheck?: (check: string) => { status: 'ok' | 'warning' | 'critical' | 'unknown'; reason: string } | undefined;
}

/** AutoHeal as plans need it: its service proposes; its repository tells how a proposal ended. */
export function healGateway(heal: Pick<Heal, 'propose' | 'pending' | 'decide' | 'commandOf'>, repo: HealRepository): HealGateway {
  return {
    propose: (p) => heal.propose(p),
    pending: () => heal.pending(),
    approve: (id, by, reason) => heal.decide(id, 'approve', by, reason),
    commandOf: (action, _host, target) => heal.commandOf(action, target),
    status: (id) => {
      const a = repo.approval(id);
      return a ? { status: a.status, outcome: a.outcome } : null;
    },
  };
}

const noAudit: AuditWriter = {
  append() {
    throw new VigilError('unavailable', 'the audit log is not available, so nothing that must be audited was done');
  },
};

/**
 * Build OpenClaw, NemoTron and ElephantAlpha on the core context. Areas
 * built later (remote, heal) are passed with connect(); every dependency is
 * read when used, so they may come after the agents. Where the safe-action
 * stage runs is fixed by its slot in router/pipeline.ts, not by wiring order.
 */
export function wireAgents(ctx: CoreContext, initial: AgentDeps = {}) {
  const deps: AgentDeps = { ...initial };
  const audit: AuditWriter = { append: (e) => (deps.audit ?? noAudit).append(e) };
  const hosts = () => ctx.config.hosts.map((h) => ({ name: h.name, tags: h.tags }));
  const healActions = () => deps.healActions ?? [];
  const defaultPolicy = createPolicy();
  const policy: DiagnosticPolicy = { check: (c, tags) => (deps.policy ?? defaultPolicy).check(c, tags) };

  // ── OpenClaw ──
  const openclaw = createOpenClaw({
    repo: ctx.stores.memory,
    transaction: ctx.stores.transaction,
    embeddings: ctx.config.embeddings,
    clock: ctx.clock,
    metrics: ctx.metrics,
    fetch: ctx.fetch,
    audit,
    log: ctx.log,
    changed: () => ctx.changed(Collection.memory),
  });
  ctx.onStart(() => openclaw.worker.start());
  ctx.onStop(() => openclaw.worker.stop());

  // ── NemoTron (only with an `llm` section; without a key it still runs and falls back as no_key) ──
  let nemotron: Nemotron | null = null;
  const toolLog = new Map<string, Array<{ name: string; args: string; output: string }>>();
  let staged = false;
  const plugIntoRouter = () => {
    const router = deps.router;
    // L2 safe actions suggested by the rules run automatically once the alert is notified.
    if (router?.fill && !staged) {
      staged = true;
      router.fill(safeActionStage(openclaw.safe, () => deps.heal ?? null));
    }
    if (!ctx.config.llm || !router || nemotron) return;
    const llm = ctx.config.llm;
    nemotron = createNemotron({
      llm: createLlmClient({ config: llm, secrets: ctx.secrets, fetch: ctx.fetch, clock: ctx.clock }),
      clock: ctx.clock,
      policy,
      exec: {
        exec: (host, command, o) => {
          if (!deps.diagnostics) throw new VigilError('unavailable', 'remote diagnostics are not wired');
          return deps.diagnostics.run(host, command, 'nemotron', o);
        },
      },
      hosts,
      // Refusals are audited like the diagnostic console's; allowed commands are audited by core/remote when they run.
      onDiagnostic: (d) => {
        if (d.allowed) return;
        try {
          audit.append({
            actor: 'nemotron',
            action: 'diag.denied',
            subject: `host:${d.host}`,
            detail: { command: d.command, reason: d.reason },
          });
        } catch (e) {
          ctx.log.warn({ err: (e as Error).message }, 'could not audit a refused NemoTron diagnostic');
        }
      },
      memory: (q, o) => openclaw.search(q, { mode: 'auto', limit: o.limit, signal: o.signal }),
      events: router.events,
      actions: () => [...healActions(), ...SAFE_ACTIONS],
      onTool: (id, t) => {
        const list = toolLog.get(id) ?? [];
        if (!toolLog.has(id) && toolLog.size >= 200) toolLog.delete(toolLog.keys().next().value as string);
        toolLog.set(id, [...list, t].slice(-12));
      },
      maxSteps: llm.maxSteps,
      budgetMs: llm.triageBudget,
      log: ctx.log,
    });
    const nem = nemotron;
    // The loop hears each result with the tool outputs behind it (evidence for a plan it may propose).
    router.useTriager({
      agent: 'nemotron',
      triage: async (ev, sig) => {
        try {
          const r = await nem.triage(ev, sig);
          deps.onNemotron?.(ev.id, r, toolLog.get(ev.id) ?? []);
          return r;
        } finally {
          toolLog.delete(ev.id);
        }
      },
    });
  };
  plugIntoRouter();
  ctx.onStart(plugIntoRouter);

  // ── ElephantAlpha ──
  const gate = (): HealGateway => {
    if (!deps.heal) throw new VigilError('unavailable', 'AutoHeal is not wired');
    return deps.heal;
  };
  const plans = createPlans({
    repo: ctx.stores.plans,
    transaction: ctx.stores.transaction,
    clock: ctx.clock,
    metrics: ctx.metrics,
    audit,
    log: ctx.log,
    fourEyes: () => ctx.config.people.fourEyes,
    outbox: {
      enqueue: (ch, m, key) => {
        if (!deps.outbox) throw new VigilError('unavailable', 'the notification outbox is not wired');
        deps.outbox.enqueue(ch, m, key);
      },
    },
    hitlChannels: () => ctx.config.channels.filter((c) => c.type === 'telegram' || c.type === 'desktop'),
    hosts: () => hosts().map((h) => h.name),
    channels: () => ctx.config.channels.map((c) => c.name),
    healActions,
    protectedTarget: (action, target) => protectedByName(ctx.config, action, target),
    diagnose: async (host, command, actor) => {
      const tags = hosts().find((h) => h.name === host)?.tags ?? [];
      const v = policy.check(command, tags);
      if (!v.allowed) throw new VigilError('forbidden', `refused by the diagnostic policy: ${v.reason}`);
      if (!deps.diagnostics) throw new VigilError('unavailable', 'remote diagnostics are not wired');
      const r = await deps.diagnostics.run(host, command, actor);
      return `exit ${r.exitCode ?? 'killed'}\n${r.stdout.slice(-3000)}${r.stderr ? `\nstderr: ${r.stderr.slice(-1000)}` : ''}`;
    },
    safeAction: (action, subject, actor) => openclaw.safe.run(action, subject, actor),
    heal: {
      propose: (p) => gate().propose(p),
      status: (id) => gate().status(id),
      pending: () => gate().pending(),
      approve: (id, by, reason) =>
        gate().approve?.(id, by, reason) ?? Promise.reject(new VigilError('unavailable', 'AutoHeal cannot approve')),
      commandOf: (action, host, target) => gate().commandOf?.(action, host, target) ?? '',
    },
    loop: () => deps.loop ?? null,
    changed: (...what) => ctx.changed(...what),
    otherPending: () => deps.healPending?.() ?? 0,
  });
  ctx.onStart(() => plans.elephant.resume());
  // AutoHeal sets vigil_hitl_pending to its own count when its approvals change; put the plans' prompts back in.
  const unsubscribe = ctx.bus.subscribe(Topic.changed, ({ what }) => {
    if (what.includes(Collection.approvals)) plans.elephant.gauge();
  });
  ctx.onStop(unsubscribe);
  ctx.onStop(() => plans.elephant.stop());

  // "On" only while NemoTron actually answers: the same fallback rate the self-check judges (issue 14 item 3).
  const nemotronTile = (): StatusTile => {
    if (!nemotron)
      return { id: 'nemotron', label: 'NemoTron', status: 'ok', value: 'off', reason: 'no llm section: Hermes rules triage alone' };
    const fb = deps.selfCheck?.('nemotron_fallback');
    const bad = fb && (fb.status === 'warning' || fb.status === 'critical') ? fb.status : null;
    return {
      id: 'nemotron',
      label: 'NemoTron',
      status: bad ?? 'ok',
      value: bad ? 'falling back' : 'on',
      reason: `models: ${ctx.config.llm?.models.join(', ')}; ${fb ? fb.reason : 'fallback rate not checked yet'}`,
    };
  };
  ctx.statusProviders.push(() => {
    const c = openclaw.repo.liveQueueCounts();
    const stale = openclaw.repo.staleCount(ctx.clock.now() - 120_000);
    const provider = openclaw.embedder ? openclaw.embedder.model : 'keyword search only (no embedding provider)';
    const hitl = plans.elephant.pendingApprovals();
    const now = ctx.clock.now();
    return [
      {
        id: 'openclaw',
        label: 'OpenClaw memory',
        status: c.failed > 0 || stale > 0 ? 'warning' : 'ok',
        value: `${c.pending} pending`,
        reason: `${provider}; ${c.failed} failed, ${stale} stale`,
      },
      {
        id: 'elephant',
        label: 'ElephantAlpha approvals',
        status: 'ok',
        value: `${hitl.count} waiting`,
        reason: hitl.oldest
          ? `oldest waiting ${humanDuration(now - hitl.oldest)} (since ${clockTime(hitl.oldest, now)})`
          : 'no plan waits for a person',
      },
      nemotronTile(),
    ];
  });

  const telegramCallback = (update: TelegramUpdate): CallbackOutcome =>
    handleTelegramCallback(update, {
      elephant: plans.elephant,
      channels: () => ctx.config.channels,
      audit,
      person: (id) => deps.telegramPerson?.(id) ?? null,
    });
  // Without a public webhook (a laptop), button presses are fetched with getUpdates.
  const poller = createTelegramPoller({
    channels: () => ctx.config.channels,
    secrets: ctx.secrets,
    fetch: ctx.fetch,
    clock: ctx.clock,
    log: ctx.log,
    offsets: ctx.stores.telegram,
    dispatch: (u) => (u.callback_query?.data?.startsWith('hitl:') || !deps.otherButtons ? telegramCallback(u) : deps.otherButtons(u)),
  });
  ctx.onStart(() => poller.start());
  ctx.onStop(() => poller.stop());

  return {
    openclaw,
    nemotron,
    elephant: plans.elephant,
    /** A Telegram inline-button press (webhook route or poller). */
    telegramCallback,
    telegramPoller: poller,
    handlers: {
      ...openclaw.handlers,
      ...plans.handlers,
      'agents.status': async () => {
        const llm = ctx.config.llm;
        const counts = async (
          m: { get(): Promise<{ values: Array<{ labels: Record<string, string | number>; value: number }> }> },
          label: string,
        ) => Object.fromEntries((await m.get()).values.map((v) => [String(v.labels[label]), v.value]));
        return {
          nemotron: llm
            ? {
                provider: llm.provider,
                baseUrl: llm.baseUrl ?? LLM_PRESETS[llm.provider].baseUrl,
                models: llm.models,
                keySecret: llm.apiKey?.secret ?? null,
                keySet: resolveSecret(ctx.secrets, llm.apiKey) !== undefined,
                timeoutMs: llm.timeout,
                triageBudgetMs: llm.triageBudget,
                maxSteps: llm.maxSteps,
                maxTokens: llm.maxTokens,
              }
            : null,
          embeddings: {
            provider: ctx.config.embeddings.provider,
            baseUrl: openclaw.embedder ? ctx.config.embeddings.baseUrl : null,
            model: openclaw.embedder?.model ?? null,
            vectors: openclaw.embedder ? openclaw.repo.vectorCount(openclaw.embedder.model) : 0,
          },
          triage: await counts(ctx.metrics.agentTriage, 'agent'),
          fallbacks: await counts(ctx.metrics.agentFallback, 'reason'),
        };
      },
    },
    /** Late wiring for areas built after the agents (remote, heal). */
    connect(more: AgentDeps) {
      Object.assign(deps, more);
      plugIntoRouter();
    },
  };
}
export type Agents = ReturnType<typeof wireAgents>;
