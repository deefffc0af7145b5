import { canonicalJson, sha256 } from '../audit';
import { VigilError } from '../errors';
import { shellQuote } from '../remote';

/** The closed catalogue of heal actions (R-HEAL-3): never free text. */
export const HEAL_ACTIONS = ['restart_service', 'restart_container'] as const;
export type HealAction = (typeof HEAL_ACTIONS)[number];

interface ActionSpec {
  kind: 'service' | 'container';
  target: RegExp;
  argv(target: string): string[];
}

const SPECS: Record<HealAction, ActionSpec> = {
  restart_service: { kind: 'service', target: /^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/, argv: (t) => ['systemctl', 'restart', t] },
  restart_container: { kind: 'container', target: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, argv: (t) => ['docker', 'restart', t] },
};

export const isHealAction = (a: string): a is HealAction => (HEAL_ACTIONS as readonly string[]).includes(a);
export const targetKind = (a: HealAction): 'service' | 'container' => SPECS[a].kind;

/** The quoted command for an action on a typed target; refuses anything outside the catalogue. */
export function healCommand(action: string, target: string): string {
  if (!isHealAction(action)) throw new VigilError('bad_request', `"${action}" is not a heal action (allowed: ${HEAL_ACTIONS.join(', ')})`);
  const spec = SPECS[action];
  if (!spec.target.test(target)) throw new VigilError('bad_request', `"${target}" is not a valid ${spec.kind} name for ${action}`);
  return spec.argv(target).map(shellQuote).join(' ');
}

/** What an approval is bound to: action + host + target + parameters. */
export function paramHash(b: { action: string; host: string; target: string; params: Record<string, unknown> }): string {
  return sha256(canonicalJson({ action: b.action, host: b.host, target: b.target, params: b.params }));
}
