import { z } from 'zod';
import { method } from './define';

/** OpenClaw memory and ElephantAlpha plans: what the Memory and Plans pages call. */

export const InsightKind = z.enum(['incident', 'resolution', 'knowledge', 'note']);
export const Insight = z.object({
  id: z.number(),
  kind: InsightKind,
  source: z.string(),
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()),
  flags: z.array(z.string()),
  ref: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Insight = z.infer<typeof Insight>;

export const MemorySearchResult = z.object({
  /** Which search ran: semantic (vectors), keyword (FTS5 BM25) or hybrid (both, fused). */
  used: z.enum(['semantic', 'keyword', 'hybrid']),
  /** Why the requested mode was not used, if it was not. */
  note: z.string().nullable(),
  results: z.array(z.object({ insight: Insight, score: z.number(), via: z.array(z.enum(['vector', 'keyword'])) })),
});
export type MemorySearchResult = z.infer<typeof MemorySearchResult>;

export const EmbeddingQueueState = z.enum(['pending', 'processing', 'done', 'failed']);
const tag = z.string().min(1).max(64);

export const memoryApi = {
  'memory.search': method(
    z
      .object({
        query: z.string().trim().min(1).max(500),
        mode: z.enum(['auto', 'semantic', 'keyword']).default('auto'),
        limit: z.number().int().min(1).max(50).default(10),
      })
      .strict(),
    MemorySearchResult,
    'Recall insights: vectors when available, keywords otherwise, fused when both exist.',
  ),
  'memory.add': method(
    z
      .object({
        kind: z.enum(['knowledge', 'note']),
        title: z.string().trim().min(1).max(300),
        body: z.string().max(20_000).default(''),
        tags: z.array(tag).max(20).default([]),
      })
      .strict(),
    Insight,
    'Write a knowledge entry or a note; its embedding is queued in the same transaction.',
  ),
  'memory.flags': method(
    z.object({ flag: z.enum(['human_review', 'km', 'relearn']).optional(), limit: z.number().int().min(1).max(500).default(100) }).strict(),
    z.object({ items: z.array(Insight) }),
    'Insights flagged by the L2 safe actions (human review, routed to KM, marked for relearn).',
  ),
  'memory.queue': method(
    z.object({ limit: z.number().int().min(1).max(200).default(50) }).strict(),
    z.object({
      provider: z.string(),
      model: z.string().nullable(),
      counts: z.record(EmbeddingQueueState, z.number()),
      stale: z.number(),
      items: z.array(
        z.object({
          insightId: z.number(),
          title: z.string(),
          state: EmbeddingQueueState,
          attempts: z.number(),
          lastError: z.string().nullable(),
          updatedAt: z.number(),
        }),
      ),
    }),
    'The embedding queue: counts per state and the items not yet done.',
  ),
  'memory.safeAction': method(
    z
      .object({
        action: z.enum(['flag_for_human_review', 'route_to_km', 'mark_for_relearn']),
        insightId: z.number().int().positive(),
        actor: z.string().trim().min(1).max(100).default('console'),
      })
      .strict(),
    z.object({ action: z.string(), insightId: z.number() }),
    'Run an L2 safe action on an insight (audited memory write).',
  ),
};

// ── ElephantAlpha plans ──

export const PlanStatus = z.enum(['pending', 'running', 'waiting', 'succeeded', 'failed', 'cancelled']);
export const PlanStep = z.object({
  index: z.number(),
  type: z.string(),
  params: z.record(z.string(), z.unknown()),
  timeout: z.number(),
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled']),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  result: z.string().nullable(),
  error: z.string().nullable(),
});
/** What a proposer saw: its diagnosis, recalled memory, the change it suspects, a review (R-LOOP-1). */
export const PlanEvidence = z.object({
  kind: z.enum(['triage', 'diagnosis', 'memory', 'change', 'review']),
  title: z.string(),
  body: z.string(),
});
export type PlanEvidence = z.infer<typeof PlanEvidence>;

/** A HITL prompt (the Telegram nonce is never shown). */
export const PlanApproval = z.object({
  id: z.string(),
  planId: z.string(),
  planTitle: z.string(),
  step: z.number(),
  question: z.string(),
  status: z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled']),
  createdAt: z.number(),
  expiresAt: z.number(),
  decidedBy: z.string().nullable(),
  decidedVia: z.string().nullable(),
  decidedAt: z.number().nullable(),
  /** Who proposed the plan (hermes, nemotron, change-review, a person) and for which alert event or change. */
  proposer: z.string(),
  eventId: z.string().nullable(),
  changeId: z.string().nullable(),
  /** The exact commands approving this lets run, next to the evidence. */
  commands: z.array(z.string()),
  evidence: z.array(PlanEvidence),
});
export type PlanApproval = z.infer<typeof PlanApproval>;
export const Plan = z.object({
  id: z.string(),
  title: z.string(),
  source: z.string(),
  status: PlanStatus,
  steps: z.array(PlanStep),
  current: z.number(),
  createdBy: z.string(),
  approvals: z.array(PlanApproval),
  eventId: z.string().nullable(),
  changeId: z.string().nullable(),
  evidence: z.array(PlanEvidence),
  error: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  finishedAt: z.number().nullable(),
});
export type Plan = z.infer<typeof Plan>;

/** A step as submitted: its type and parameters. Types are checked by the core, so an unknown type fails the plan visibly. */
export const PlanStepInput = z
  .object({ type: z.string().min(1).max(40), timeout: z.number().int().positive().optional() })
  .catchall(z.unknown());
const who = z.string().trim().min(1).max(100);

export const plansApi = {
  'plans.list': method(
    z.object({ status: PlanStatus.optional(), limit: z.number().int().min(1).max(500).default(100) }).strict(),
    z.object({ items: z.array(Plan) }),
    'Action plans, newest first.',
  ),
  'plans.get': method(z.object({ id: z.string().min(1).max(40) }).strict(), Plan, 'One plan with its steps and approvals.'),
  'plans.create': method(
    z
      .object({
        title: z.string().trim().min(1).max(200),
        createdBy: who,
        source: z.string().trim().min(1).max(100).default('console'),
        eventId: z.string().max(100).optional(),
        steps: z.array(PlanStepInput).min(1).max(50),
      })
      .strict(),
    Plan,
    'Create and start a plan. Steps are validated first: a plan with an unknown or malformed step is stored as failed and nothing runs.',
  ),
  'plans.cancel': method(z.object({ id: z.string().min(1).max(40), by: who }).strict(), Plan, 'Cancel a plan that has not finished.'),
  'plans.approvals': method(
    z.object({ pendingOnly: z.boolean().default(true), limit: z.number().int().min(1).max(500).default(100) }).strict(),
    z.object({ items: z.array(PlanApproval) }),
    'HITL prompts of plans (wait_for_approval steps).',
  ),
  'plans.decide': method(
    z.object({ approvalId: z.string().min(1).max(40), decision: z.enum(['approve', 'reject']), by: who }).strict(),
    PlanApproval,
    'Approve or reject a pending HITL prompt from the console.',
  ),
};

// ── agents overview (Settings) ──

export const AgentsStatus = z.object({
  /** null: no `llm` section, Hermes rules triage alone. The key itself is never shown. */
  nemotron: z
    .object({
      provider: z.string(),
      baseUrl: z.string(),
      models: z.array(z.string()),
      keySecret: z.string().nullable(),
      keySet: z.boolean(),
      timeoutMs: z.number(),
      triageBudgetMs: z.number(),
      maxSteps: z.number(),
      maxTokens: z.number(),
    })
    .nullable(),
  embeddings: z.object({ provider: z.string(), baseUrl: z.string().nullable(), model: z.string().nullable(), vectors: z.number() }),
  /** Since start: triage results by agent and NemoTron fallbacks by reason. */
  triage: z.record(z.string(), z.number()),
  fallbacks: z.record(z.string(), z.number()),
});
export type AgentsStatus = z.infer<typeof AgentsStatus>;

export const agentsApi = {
  'agents.status': method(
    z.object({}).strict(),
    AgentsStatus,
    'NemoTron and OpenClaw settings (no secrets) and triage/fallback counts since start.',
  ),
};
