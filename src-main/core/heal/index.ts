import type { Handlers } from '../../../src-shared/api';
import type { CoreContext } from '../context';
import type { Audit } from '../audit';
import type { EventSink, SshPool } from '../remote';
import { protectedGuardCheck } from './protected';
import { createHeal, type KnowledgeWriter } from './service';

export { createHeal, type Heal, type KnowledgeWriter, type Proposal } from './service';
export { HEAL_ACTIONS, healCommand } from './catalogue';
export { BUILTIN_PROTECTED, protectedBy, protectedByName, protectedGuardCheck } from './protected';

type HealMethods =
  | 'heal.propose'
  | 'heal.dryRun'
  | 'heal.killSwitch.get'
  | 'heal.killSwitch.set'
  | 'approvals.list'
  | 'approvals.decide'
  | 'approvals.history'
  | 'heal.incidents'
  | 'heallog.list'
  | 'audit.list'
  | 'audit.verify';

/** AutoHeal + approvals + the audit views on the core context. */
export function wireHeal(
  ctx: CoreContext,
  deps: {
    audit: Audit;
    pool: SshPool;
    sink: EventSink;
    knowledge: KnowledgeWriter;
    hostExists(host: string): boolean;
    otherPending?: () => number;
    failure?: (what: string, err: unknown) => void;
  },
) {
  const heal = createHeal({
    config: ctx.config,
    repo: ctx.stores.heal,
    transaction: ctx.stores.transaction,
    audit: deps.audit,
    pool: deps.pool,
    clock: ctx.clock,
    metrics: ctx.metrics,
    sink: deps.sink,
    knowledge: deps.knowledge,
    hostExists: deps.hostExists,
    changed: (...w) => ctx.changed(...w),
    otherPending: deps.otherPending,
    failure: deps.failure,
  });
  ctx.onStart(() => heal.start());
  ctx.onStop(() => heal.stop());
  ctx.statusProviders.push(() => {
    const ks = heal.killSwitch();
    const pending = heal.pending();
    // "Enforced" is asked of the running guard (as the self-check does), never assumed from the rules (issue 14 item 3).
    const g = protectedGuardCheck(ctx.config.protected, (kind, target, live) => heal.protectedReason(kind, target, live));
    const loose = g.configured - g.denied;
    const guard = loose
      ? `${loose} of ${g.configured} protected rule(s) NOT enforced by the AutoHeal guard`
      : `${g.configured} protected rule(s) enforced`;
    return [
      {
        id: 'autoheal',
        label: 'AutoHeal',
        status: loose ? 'critical' : ks.on ? 'warning' : 'ok',
        value: ks.on ? 'stopped' : `${pending.length} pending`,
        reason: `${ks.on ? `kill switch on (${ks.source})` : `${pending.length} approval(s) waiting`}; ${guard}`,
      },
    ];
  });

  const handlers: Pick<Handlers, HealMethods> = {
    'heal.propose': (p) => heal.propose(p),
    'heal.dryRun': ({ action, host, target, by }) => heal.dryRun({ action, host, target }, by),
    'heal.killSwitch.get': () => heal.killSwitch(),
    'heal.killSwitch.set': ({ on, by, reason }) => heal.setKillSwitch(on, by, reason),
    'approvals.list': () => ({ approvals: heal.pending() }),
    'approvals.decide': ({ id, decision, by, reason }) => heal.decide(id, decision, by, reason),
    'approvals.history': ({ limit }) => ({ approvals: heal.history(limit) }),
    'heal.incidents': ({ limit }) => ({ incidents: heal.incidents(limit) }),
    'heallog.list': ({ limit }) => ({ entries: heal.logs(limit) }),
    'audit.list': ({ limit, beforeId, action }) => ({ entries: deps.audit.list({ limit, beforeId, action }) }),
    'audit.verify': () => deps.audit.verifyChain(),
  };
  return { heal, handlers };
}
export { type LiveFacts } from './protected';
