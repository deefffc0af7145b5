import type { Clock } from '../../clock';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics';
import type { OutboxWriter } from '../../notify';
import type { PlanRepository, PlanRow, Stores } from '../../store';
import type { Collection } from '../../../../src-shared/api/topics';
import type { AuditWriter, SafeActionSubject } from '../openclaw/safe-actions';
import type { StepContext } from './steps';

// What ElephantAlpha needs from the rest of Vigil, as interfaces (createCore wires them).

/** AutoHeal as plans see it: propose, then watch the approval until it is executed or refused. */
export interface HealGateway {
  propose(p: {
    action: string;
    host: string;
    target: string;
    reason: string;
    proposedBy: string;
    source: 'agent' | 'router';
    eventId: string | null;
  }): { id: string };
  /** pending, approved, executed, rejected, expired, failed, denied (null: unknown id). */
  status(id: string): { status: string; outcome: string | null } | null;
  /** Proposals waiting for a person (so the router does not propose the same thing twice). */
  pending(): Array<{ action: string; host: string; target: string }>;
  /** Approve a proposal on behalf of the person who approved the plan step showing its exact command (AutoHeal still checks everything). */
  approve?(id: string, by: string, reason: string): Promise<unknown>;
  /** The exact command AutoHeal would run (as shown on an approval). */
  commandOf?(action: string, host: string, target: string): string;
}

/** The closed loop's step runners (core/loop): verification after a heal, a change's watch window. */
export interface LoopSteps {
  verify(
    p: { fingerprint: string; host: string; action?: string; target?: string; window?: number },
    plan: PlanRow,
    signal: AbortSignal,
  ): Promise<string>;
  watch(p: { service?: string; hosts: string[]; minutes: number }, plan: PlanRow, signal: AbortSignal): Promise<string>;
}

export interface ElephantDeps extends StepContext {
  repo: PlanRepository;
  /** ctx.stores.transaction: a plan's row and what it queues commit together. */
  transaction: Stores['transaction'];
  clock: Clock;
  metrics: Metrics;
  audit: AuditWriter;
  log?: Logger;
  outbox: OutboxWriter | null;
  /** Telegram channels get HITL prompts with buttons; desktop channels a notice. */
  hitlChannels: () => Array<{ name: string; type: string }>;
  /** L1 diagnostic through the command policy; rejects with the DENY reason. Returns the output. */
  diagnose: ((host: string, command: string, actor: string) => Promise<string>) | null;
  safeAction: (action: string, subject: SafeActionSubject, actor: string) => { insightId: number };
  heal: HealGateway | null;
  loop?: () => LoopSteps | null;
  /** people.fourEyes: whoever created a plan may not approve its steps. */
  fourEyes?: () => boolean;
  changed(...what: Collection[]): void;
  /** Other pending human approvals (AutoHeal's), so vigil_hitl_pending counts both. */
  otherPending?: () => number;
  newId?: () => string;
  /** How often a heal step looks at its approval. */
  healPollMs?: number;
}
