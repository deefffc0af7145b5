import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SMOKE_CHECKS } from '../../../src-shared/api/smoke';
import { BucketedHistogram } from './bucketed';

/** `vigil_router_dispatch_seconds`' bounds: the decider counts its latencies into them (router/decide.ts). */
export const DISPATCH_BUCKETS: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]);

/** Label values known at start-up, so every series exists at zero (zero baseline). */
export interface MetricsBaseline {
  sources: string[];
  channels: string[];
  checks: string[];
  agents: string[];
  fallbackReasons: string[];
  safeActions: string[];
  healActions: string[];
  escalationSteps: string[];
  ackVias: string[];
}

export const ROUTER_RESULTS = ['notified', 'deduped', 'silenced', 'muted', 'rejected', 'grouped', 'flapping', 'burst', 'stored'] as const;
export const NOTIFY_RESULTS = ['sent', 'failed', 'expired'] as const;
export const HEAL_RESULTS = ['executed', 'failed', 'denied', 'dry_run'] as const;
export const EMBED_STATES = ['pending', 'processing', 'done', 'failed'] as const;

export const DEFAULT_BASELINE: MetricsBaseline = {
  sources: ['api', 'alertmanager', 'probe', 'vigil', 'scheduler'],
  channels: [],
  checks: [...SMOKE_CHECKS],
  agents: ['hermes', 'nemotron'],
  fallbackReasons: ['no_key', 'rate_limited', 'timeout', 'network', 'http_error', 'no_tool_calls', 'invalid_output'],
  safeActions: ['flag_for_human_review', 'route_to_km', 'mark_for_relearn'],
  healActions: ['restart_service', 'restart_container'],
  escalationSteps: ['1', '2', '3'],
  ackVias: ['console', 'tray', 'notification', 'telegram', 'api'],
};

/** Every Vigil metric, registered in one place. */
export function createMetrics(baseline: MetricsBaseline = DEFAULT_BASELINE) {
  const registry = new Registry();
  const reg = [registry];
  let decidingFails = (): boolean => false;
  const m = {
    registry,
    routerEvents: new Counter({
      name: 'vigil_router_events_total',
      help: 'Events through the router by source and outcome',
      labelNames: ['source', 'result'],
      registers: reg,
    }),
    // Counted by bucket where the events were decided (`add`), not observed one by one here (R-SCALE-43).
    routerDispatch: new BucketedHistogram({
      name: 'vigil_router_dispatch_seconds',
      help: 'Time from intake to the notification decision',
      buckets: [...DISPATCH_BUCKETS],
      registers: reg,
    }),
    notifySent: new Counter({
      name: 'vigil_notify_sent_total',
      help: 'Notification sends by channel and result',
      labelNames: ['channel', 'result'],
      registers: reg,
    }),
    outboxPending: new Gauge({
      name: 'vigil_outbox_pending',
      help: 'Messages waiting in the outbox per channel',
      labelNames: ['channel'],
      registers: reg,
    }),
    outboxReplayed: new Counter({
      name: 'vigil_outbox_replayed_total',
      help: 'Messages delivered after at least one failed attempt',
      labelNames: ['channel'],
      registers: reg,
    }),
    agentTriage: new Counter({
      name: 'vigil_agent_triage_total',
      help: 'Triage results by the agent that produced them',
      labelNames: ['agent'],
      registers: reg,
    }),
    agentFallback: new Counter({
      name: 'vigil_agent_fallback_total',
      help: 'NemoTron fallbacks to Hermes by reason',
      labelNames: ['reason'],
      registers: reg,
    }),
    safeActions: new Counter({ name: 'vigil_safe_actions_total', help: 'L2 safe actions run', labelNames: ['action'], registers: reg }),
    autohealActions: new Counter({
      name: 'vigil_autoheal_actions_total',
      help: 'AutoHeal actions by result',
      labelNames: ['action', 'result'],
      registers: reg,
    }),
    autohealDuration: new Histogram({
      name: 'vigil_autoheal_duration_seconds',
      help: 'AutoHeal execution time',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: reg,
    }),
    embeddingQueue: new Gauge({
      name: 'vigil_embedding_queue',
      help: 'OpenClaw embedding queue by state',
      labelNames: ['state'],
      registers: reg,
    }),
    hitlPending: new Gauge({ name: 'vigil_hitl_pending', help: 'Pending human approvals', registers: reg }),
    smokeStatus: new Gauge({
      name: 'vigil_smoke_status',
      help: 'Smoke check status (0 ok, 1 warning, 2 critical)',
      labelNames: ['check'],
      registers: reg,
    }),
    escalations: new Counter({
      name: 'vigil_escalations_total',
      help: 'Escalations fired by chain step',
      labelNames: ['step'],
      registers: reg,
    }),
    acks: new Counter({ name: 'vigil_acks_total', help: 'Acknowledgements by path', labelNames: ['via'], registers: reg }),
    // Read from the router's state when scraped.
    decidingFailing: new Gauge({
      name: 'vigil_router_deciding_failing',
      help: '1 while acknowledged intake is not being decided (the deciding pass fails or the decider thread is down), else 0',
      registers: reg,
      collect() {
        this.set(decidingFails() ? 1 : 0);
      },
    }),
    /** The router area says where the deciding-failing gauge reads from. */
    decidingFailingFrom: (read: () => boolean) => void (decidingFails = read),
    deciderRestarts: new Counter({
      name: 'vigil_decider_restarts_total',
      help: 'Decider threads started again after one ended',
      registers: reg,
    }),
  };
  for (const s of baseline.sources) for (const r of ROUTER_RESULTS) m.routerEvents.inc({ source: s, result: r }, 0);
  for (const c of baseline.channels) {
    for (const r of NOTIFY_RESULTS) m.notifySent.inc({ channel: c, result: r }, 0);
    m.outboxPending.set({ channel: c }, 0);
    m.outboxReplayed.inc({ channel: c }, 0);
  }
  for (const a of baseline.agents) m.agentTriage.inc({ agent: a }, 0);
  for (const r of baseline.fallbackReasons) m.agentFallback.inc({ reason: r }, 0);
  for (const a of baseline.safeActions) m.safeActions.inc({ action: a }, 0);
  for (const a of baseline.healActions) for (const r of HEAL_RESULTS) m.autohealActions.inc({ action: a, result: r }, 0);
  for (const s of EMBED_STATES) m.embeddingQueue.set({ state: s }, 0);
  m.hitlPending.set(0);
  m.deciderRestarts.inc(0);
  for (const c of baseline.checks) m.smokeStatus.set({ check: c }, 0);
  for (const s of baseline.escalationSteps) m.escalations.inc({ step: s }, 0);
  for (const v of baseline.ackVias) m.acks.inc({ via: v }, 0);
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
