import { VigilError } from '../errors';
import { healCommand, targetKind, type HealAction } from './catalogue';
import { liveProtectionCheck, type LiveFacts, type ProtectedRule } from './protected';
import type { HealDeps } from './types';

export type BlockerCode = 'kill_switch' | 'protected' | 'restart_loop' | 'rate_limited';
export type ProtectedReason = (kind: 'service' | 'container', target: string, live?: LiveFacts) => string | null;

/**
 * What may stop a heal: the kill switch, protected resources (static and live), restart loops and the per-target
 * rate limit. `protects` is asked at each call, not captured: the running AutoHeal's verdict is a test seam (see
 * service.ts), and the blockers must follow it.
 */
export function createGuard(d: HealDeps, rules: ProtectedRule[], protects: ProtectedReason) {
  const cfg = d.config.heal;

  const killSwitch = (): { on: boolean; source: 'config' | 'runtime' | 'off'; by: string | null } => {
    if (cfg.killSwitch) return { on: true, source: 'config', by: null };
    const v = d.repo.setting('killSwitch');
    if (v) {
      const s = JSON.parse(v) as { on: boolean; by: string };
      if (s.on) return { on: true, source: 'runtime', by: s.by };
    }
    return { on: false, source: 'off', by: null };
  };

  const validate = (action: string, host: string, target: string): { action: HealAction; command: string } => {
    const command = healCommand(action, target); // throws bad_request outside the catalogue
    if (!d.hostExists(host)) throw new VigilError('not_found', `no host named "${host}" in the config`);
    return { action: action as HealAction, command };
  };

  /** Blockers that need no host access: kill switch, protected (static), restart loop, rate limit. */
  const blockers = (action: HealAction, host: string, target: string): Array<{ code: BlockerCode; reason: string }> => {
    const out: Array<{ code: BlockerCode; reason: string }> = [];
    const ks = killSwitch();
    if (ks.on) out.push({ code: 'kill_switch', reason: `the AutoHeal kill switch is on (${ks.source}${ks.by ? ' by ' + ks.by : ''})` });
    const prot = protects(targetKind(action), target);
    if (prot) out.push({ code: 'protected', reason: prot });
    const now = d.clock.now();
    const inLoopWindow = d.repo.executionsSince(host, target, now - cfg.loopWindow);
    if (inLoopWindow >= cfg.loopThreshold)
      out.push({
        code: 'restart_loop',
        reason: `${target} on ${host} was healed ${inLoopWindow} times in the last ${Math.round(cfg.loopWindow / 60_000)} min: restart loop, a person must look`,
      });
    const inRateWindow = d.repo.executionsSince(host, target, now - cfg.rateWindow);
    if (inRateWindow >= cfg.ratePerTarget)
      out.push({
        code: 'rate_limited',
        reason: `${target} on ${host} reached ${cfg.ratePerTarget} heals per ${Math.round(cfg.rateWindow / 60_000)} min`,
      });
    return out;
  };

  /** The live protection verdict read on the host (image, labels, unit aliases); null when nothing protects it. */
  const liveCheck = (action: HealAction, host: string, target: string): Promise<string | null> =>
    liveProtectionCheck(rules, action, targetKind(action), target, (c) => d.pool.exec(host, c, { timeoutMs: 30_000, maxBytes: 64 * 1024 }));

  return { killSwitch, validate, blockers, liveCheck };
}
export type Guard = ReturnType<typeof createGuard>;
