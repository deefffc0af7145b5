import { z } from 'zod';
import { Severity } from '../../../../src-shared/constants';
import { SAFE_ACTIONS } from '../openclaw/safe-actions';

/** Parameters of each step type. A type not listed here fails the plan before any step runs (R-AGENT-4). */
export const STEP_PARAMS = {
  diagnose: z.object({ host: z.string().min(1).max(100), command: z.string().min(1).max(500) }).strict(),
  safe_action: z.object({ action: z.enum(SAFE_ACTIONS), insightId: z.number().int().positive().optional() }).strict(),
  heal: z
    .object({
      action: z.string().min(1).max(64),
      host: z.string().min(1).max(100),
      target: z.string().min(1).max(200),
      reason: z.string().max(500).optional(),
    })
    .strict(),
  notify: z
    .object({
      channels: z.array(z.string().min(1)).min(1).max(10),
      title: z.string().min(1).max(200),
      body: z.string().max(4000).default(''),
      severity: Severity.default('info'),
    })
    .strict(),
  wait_for_approval: z.object({ question: z.string().min(1).max(500) }).strict(),
  /** After a heal: watch the alert (and the host's probe) until it resolves or the window ends (R-LOOP-2). */
  verify: z
    .object({
      fingerprint: z.string().min(1).max(200),
      host: z.string().min(1).max(100),
      action: z.string().max(64).optional(),
      target: z.string().max(200).optional(),
      window: z.number().int().positive().max(86_400_000).optional(),
    })
    .strict(),
  /** Read-only: watch the alerts of a service/hosts for a while and report what fired (a change's watch window). */
  watch: z
    .object({
      service: z.string().max(100).optional(),
      hosts: z.array(z.string().max(100)).max(100).default([]),
      minutes: z.number().int().min(1).max(1440),
    })
    .strict(),
} as const;
export type StepType = keyof typeof STEP_PARAMS;
export const STEP_TYPES = Object.keys(STEP_PARAMS) as StepType[];

/** Per-type default step timeout (ms); a step may set its own `timeout`. */
export const DEFAULT_TIMEOUT: Record<StepType, number> = {
  diagnose: 60_000,
  safe_action: 10_000,
  heal: 20 * 60_000, // proposal → human approval → execution
  notify: 10_000,
  wait_for_approval: 60 * 60_000,
  verify: 2 * 3_600_000, // bounded by its own window; this only caps a runaway
  watch: 25 * 3_600_000,
};
export const MAX_TIMEOUT = 24 * 3_600_000;

export interface StepInput {
  type: string;
  timeout?: number;
  [param: string]: unknown;
}

export interface ValidStep {
  type: StepType;
  params: Record<string, unknown>;
  timeout: number;
}

/** What validation checks against besides the shapes: names that must exist. */
export interface StepContext {
  hosts: () => string[];
  channels: () => string[];
  healActions: () => readonly string[];
  /** Why AutoHeal would never run this heal (a protected resource), else null. */
  protectedTarget?: (action: string, target: string) => string | null;
}

const isStepType = (t: string): t is StepType => Object.prototype.hasOwnProperty.call(STEP_PARAMS, t);

/**
 * Validate every step before the plan starts. Returns the steps or the first
 * problem, naming the step index, so a bad plan fails at once and nothing runs.
 */
export function validateSteps(steps: StepInput[], ctx: StepContext): { ok: true; steps: ValidStep[] } | { ok: false; error: string } {
  if (!steps.length) return { ok: false, error: 'a plan needs at least one step' };
  const out: ValidStep[] = [];
  for (const [i, raw] of steps.entries()) {
    const { type, timeout, ...rest } = raw;
    if (!isStepType(type)) return { ok: false, error: `step ${i + 1}: unknown step type "${type}" (known: ${STEP_TYPES.join(', ')})` };
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT)) {
      return { ok: false, error: `step ${i + 1} (${type}): timeout must be a whole number of milliseconds between 1 and ${MAX_TIMEOUT}` };
    }
    const parsed = STEP_PARAMS[type].safeParse(rest);
    if (!parsed.success) {
      return {
        ok: false,
        error: `step ${i + 1} (${type}): ${parsed.error.issues.map((x) => `${x.path.join('.') || '(step)'}: ${x.message}`).join('; ')}`,
      };
    }
    const p = parsed.data as Record<string, unknown>;
    if ((type === 'diagnose' || type === 'heal' || type === 'verify') && !ctx.hosts().includes(p.host as string))
      return { ok: false, error: `step ${i + 1} (${type}): no host named "${String(p.host)}" in the config` };
    if (type === 'heal' && !ctx.healActions().includes(p.action as string)) {
      return {
        ok: false,
        error: `step ${i + 1} (heal): "${String(p.action)}" is not in the AutoHeal catalogue (${ctx.healActions().join(', ') || 'empty'})`,
      };
    }
    const guarded = type === 'heal' ? ctx.protectedTarget?.(p.action as string, p.target as string) : null;
    if (guarded) return { ok: false, error: `step ${i + 1} (heal): AutoHeal never runs ${String(p.action)} here: ${guarded}` };
    if (type === 'notify') {
      const unknown = (p.channels as string[]).filter((c) => !ctx.channels().includes(c));
      if (unknown.length) return { ok: false, error: `step ${i + 1} (notify): unknown channel(s) ${unknown.join(', ')}` };
    }
    out.push({ type, params: p, timeout: timeout ?? DEFAULT_TIMEOUT[type] });
  }
  return { ok: true, steps: out };
}
