import { z } from 'zod';
import { method } from './define';

/** AutoHeal, approvals, heal log, incidents and the audit chain (R-HEAL-3..7). */
export const HealActionName = z.enum(['restart_service', 'restart_container']);

export const Approval = z.object({
  id: z.string(),
  action: z.string(),
  host: z.string(),
  target: z.string(),
  command: z.string(),
  paramHash: z.string(),
  status: z.enum(['pending', 'approved', 'rejected', 'expired', 'executed', 'failed', 'denied']),
  proposedBy: z.string(),
  source: z.string(),
  reason: z.string(),
  eventId: z.string().nullable(),
  createdAt: z.number(),
  expiresAt: z.number(),
  decidedBy: z.string().nullable(),
  decidedAt: z.number().nullable(),
  decisionReason: z.string().nullable(),
  outcome: z.string().nullable(),
});
export type Approval = z.infer<typeof Approval>;

export const HealLogEntry = z.object({
  id: z.number(),
  at: z.number(),
  approvalId: z.string().nullable(),
  action: z.string(),
  host: z.string(),
  target: z.string(),
  command: z.string(),
  result: z.string(),
  exitCode: z.number().nullable(),
  output: z.string(),
  durationMs: z.number().nullable(),
  actor: z.string(),
  detail: z.string(),
});

export const Incident = z.object({
  id: z.string(),
  at: z.number(),
  title: z.string(),
  host: z.string(),
  target: z.string(),
  action: z.string(),
  status: z.string(),
  approvalId: z.string().nullable(),
  eventId: z.string().nullable(),
  detail: z.string(),
});

export const AuditEntryView = z.object({
  id: z.number(),
  at: z.number(),
  actor: z.string(),
  action: z.string(),
  subject: z.string(),
  detail: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});

const KillSwitch = z.object({ on: z.boolean(), source: z.enum(['config', 'runtime', 'off']), by: z.string().nullable() });
const target = z.string().min(1).max(128);
const who = z.string().min(1).max(100);
const limit = z.number().int().min(1).max(1000).default(100);

export const healApi = {
  'heal.propose': method(
    z
      .object({
        action: HealActionName,
        host: z.string().min(1).max(64),
        target,
        reason: z.string().min(1).max(2000),
        proposedBy: who.default('console'),
        source: z.enum(['router', 'agent', 'person']).default('person'),
        eventId: z.string().max(200).optional(),
      })
      .strict(),
    Approval,
    'Propose a heal action; it becomes a pending approval bound to action, host, target and parameters.',
  ),
  'heal.dryRun': method(
    z.object({ action: HealActionName, host: z.string().min(1).max(64), target, by: who.default('console') }).strict(),
    z.object({ command: z.string(), host: z.string(), wouldRun: z.boolean(), blockers: z.array(z.string()) }),
    'Show the exact command and what would stop it (kill switch, protected, rate limit, loop), without running it.',
  ),
  'heal.killSwitch.get': method(z.object({}).strict(), KillSwitch, 'Whether AutoHeal is stopped.'),
  'heal.killSwitch.set': method(
    z.object({ on: z.boolean(), by: who.default('console'), reason: z.string().max(500).default('') }).strict(),
    KillSwitch,
    'Stop or resume AutoHeal (audited).',
  ),
  'approvals.list': method(
    z.object({}).strict(),
    z.object({ approvals: z.array(Approval) }),
    'Pending approvals with the exact command, host and expiry.',
  ),
  'approvals.decide': method(
    z
      .object({
        id: z.string().min(1).max(64),
        decision: z.enum(['approve', 'reject']),
        by: who.default('console'),
        reason: z.string().max(2000).default(''),
      })
      .strict(),
    Approval,
    'Approve (runs the action once) or reject a pending approval, with who and why.',
  ),
  'approvals.history': method(
    z.object({ limit }).strict(),
    z.object({ approvals: z.array(Approval) }),
    'Decided, expired and executed approvals, newest first.',
  ),
  'heal.incidents': method(
    z.object({ limit }).strict(),
    z.object({ incidents: z.array(Incident) }),
    'AutoHeal execution records (one per executed heal), newest first.',
  ),
  'heallog.list': method(z.object({ limit }).strict(), z.object({ entries: z.array(HealLogEntry) }), 'Heal log, newest first.'),
  'audit.list': method(
    z.object({ limit, beforeId: z.number().int().optional(), action: z.string().max(100).optional() }).strict(),
    z.object({ entries: z.array(AuditEntryView) }),
    'Audit chain entries, newest first.',
  ),
  'audit.verify': method(
    z.object({}).strict(),
    z.object({ ok: z.boolean(), rows: z.number(), firstBroken: z.object({ id: z.number(), reason: z.string() }).nullable() }),
    'Walk the audit hash chain and report the first broken row.',
  ),
};
