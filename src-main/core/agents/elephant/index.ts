import type { Handlers } from '../../../../src-shared/api';
import type { Plan, PlanApproval } from '../../../../src-shared/api/agents';
import { VigilError } from '../../errors';
import type { PlanRow } from '../../store';
import type { ElephantDeps } from './ports';
import { createElephant } from './service';

export type { ElephantDeps, HealGateway } from './ports';
export { createElephant, type Elephant } from './service';
export { handleTelegramCallback, TelegramUpdate } from './telegram';

type PlanMethods = 'plans.list' | 'plans.get' | 'plans.create' | 'plans.cancel' | 'plans.approvals' | 'plans.decide';

const approvalsOf = (p: PlanRow): PlanApproval[] =>
  p.approvals.map((a) => ({
    id: a.id,
    planId: p.id,
    planTitle: p.title,
    step: a.step,
    question: a.question,
    status: a.status,
    createdAt: a.createdAt,
    expiresAt: a.expiresAt,
    decidedBy: a.decidedBy,
    decidedVia: a.decidedVia,
    decidedAt: a.decidedAt,
    proposer: p.createdBy,
    eventId: p.eventId,
    changeId: p.changeId,
    commands: a.commands ?? [],
    evidence: p.evidence,
  }));

export const planView = (p: PlanRow): Plan => ({
  ...p,
  steps: p.steps.map((s, index) => ({ index, ...s })),
  approvals: approvalsOf(p),
});

/** ElephantAlpha with its ConsoleApi handlers. */
export function createPlans(deps: ElephantDeps) {
  const elephant = createElephant(deps);
  const mustGet = (id: string): PlanRow => {
    const p = elephant.repo.get(id);
    if (!p) throw new VigilError('not_found', `plan ${id} does not exist`);
    return p;
  };
  const handlers: Pick<Handlers, PlanMethods> = {
    'plans.list': ({ status, limit }) => ({ items: elephant.repo.list({ status, limit }).map(planView) }),
    'plans.get': ({ id }) => planView(mustGet(id)),
    'plans.create': ({ title, createdBy, source, eventId, steps }) => {
      const { plan } = elephant.create({ title, createdBy, source, eventId, steps });
      return planView(elephant.repo.get(plan.id) ?? plan); // the first step may already be running
    },
    'plans.cancel': ({ id, by }) => planView(elephant.cancel(id, by)),
    'plans.approvals': ({ pendingOnly, limit }) => {
      const plans = pendingOnly ? elephant.repo.byStatus(['waiting']) : elephant.repo.list({ limit });
      const items = plans.flatMap(approvalsOf).filter((a) => !pendingOnly || a.status === 'pending');
      return { items: items.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit) };
    },
    'plans.decide': ({ approvalId, decision, by }) => {
      const a = elephant.decide(approvalId, decision, by, 'console');
      const p = mustGet(approvalId.slice(0, approvalId.lastIndexOf('-')));
      return approvalsOf(p).find((x) => x.id === a.id) as PlanApproval;
    },
  };
  return { elephant, handlers };
}
