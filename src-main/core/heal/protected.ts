import type { Config } from '../config';
import { compileLinear, type LinearRegex } from '../regex';
import { shellQuote, type ExecResult } from '../remote';
import { isHealAction, targetKind, type HealAction } from './catalogue';

export type ProtectedRule = Config['protected'][number];

const DATABASES = ['postgres*', 'mysql*', 'mariadb*', 'redis*', 'mongo*'];
/** Built in, always on: database images, containers and services are never restarted by AutoHeal. */
export const BUILTIN_PROTECTED: ProtectedRule[] = DATABASES.flatMap((p) => [{ image: p }, { container: p }, { service: p }]);

// Linear-time (RE2): a pattern with many '*' cannot make a long target name backtrack (R-SEC-5).
const glob = (pattern: string): LinearRegex =>
  compileLinear(pattern.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*'), { caseInsensitive: true });

/** "registry:5000/library/postgres:16@sha256:…" → ["registry:5000/library/postgres", "library/postgres", "postgres"]. */
export function imageNames(image: string): string[] {
  let ref = image.split('@')[0] ?? '';
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  const parts = ref.split('/');
  return [...new Set(parts.map((_, i) => parts.slice(i).join('/')))];
}

export interface LiveFacts {
  name?: string;
  image?: string;
  labels?: Record<string, string>;
  serviceIds?: string[];
}

/** The first protecting rule for these facts, as a sentence; null when nothing protects them. */
export function protectedBy(rules: ProtectedRule[], kind: 'service' | 'container', target: string, live: LiveFacts = {}): string | null {
  for (const r of rules) {
    if (kind === 'container' && 'container' in r) {
      for (const n of [target, live.name].filter(Boolean) as string[])
        if (glob(r.container).test(n)) return `container "${n}" is protected (pattern ${r.container})`;
    }
    if (kind === 'container' && 'image' in r && live.image) {
      if (imageNames(live.image).some((n) => glob(r.image).test(n)))
        return `container "${target}" runs protected image ${live.image} (pattern ${r.image})`;
    }
    if (kind === 'container' && 'label' in r && live.labels) {
      const [k = '', v] = r.label.split('=', 2);
      for (const [lk, lv] of Object.entries(live.labels))
        if (glob(k).test(lk) && (v === undefined || glob(v).test(lv)))
          return `container "${target}" has protected label ${lk}=${lv} (rule ${r.label})`;
    }
    if (kind === 'service' && 'service' in r) {
      for (const n of [target, ...(live.serviceIds ?? [])]) {
        const bare = n.replace(/\.service$/, '');
        if (glob(r.service).test(n) || glob(r.service).test(bare)) return `service "${n}" is protected (pattern ${r.service})`;
      }
    }
  }
  return null;
}

/**
 * Whether the config (built-in rules included) protects a heal's target by its name alone: a plan that would
 * restart one is refused when it is made, not after a person approved it (the live re-check still runs).
 */
export function protectedByName(config: Pick<Config, 'protected'>, action: string, target: string): string | null {
  return isHealAction(action) ? protectedBy([...BUILTIN_PROTECTED, ...config.protected], targetKind(action), target) : null;
}

type Exec = (command: string) => Promise<ExecResult>;

/**
 * Re-check the live target just before execution (R-HEAL-3): a harmless name
 * may hide a database image or label, a unit may be an alias. Fails closed:
 * if the facts cannot be read, the action is refused.
 */
export async function liveProtectionCheck(
  rules: ProtectedRule[],
  action: HealAction,
  kind: 'service' | 'container',
  target: string,
  exec: Exec,
): Promise<string | null> {
  void action;
  if (kind === 'container') {
    const r = await exec(
      `${shellQuote('docker')} ${shellQuote('inspect')} ${shellQuote('--type')} ${shellQuote('container')} ${shellQuote(target)}`,
    );
    if (r.exitCode !== 0)
      return `cannot verify container "${target}" on the host (docker inspect exit ${r.exitCode}: ${r.stderr.trim().slice(0, 200)})`;
    let facts: LiveFacts;
    try {
      const j = (JSON.parse(r.stdout) as Array<{ Name?: string; Config?: { Image?: string; Labels?: Record<string, string> | null } }>)[0];
      if (!j) return `container "${target}" does not exist on the host`;
      facts = { name: j.Name?.replace(/^\//, ''), image: j.Config?.Image, labels: j.Config?.Labels ?? {} };
    } catch {
      return `cannot verify container "${target}": docker inspect output is not JSON`;
    }
    if (!facts.image) return `cannot verify container "${target}": no image reported`;
    return protectedBy(rules, 'container', target, facts);
  }
  const r = await exec(
    `${shellQuote('systemctl')} ${shellQuote('show')} ${shellQuote('-p')} ${shellQuote('Id')} ${shellQuote('--value')} ${shellQuote(target)}`,
  );
  if (r.exitCode !== 0) return `cannot verify service "${target}" on the host (systemctl show exit ${r.exitCode})`;
  const ids = r.stdout.split(/\s+/).filter(Boolean);
  return protectedBy(rules, 'service', target, { serviceIds: ids });
}

const sample = (pattern: string): string => pattern.replace(/\*/g, 'x').replace(/\?/g, 'x');

/**
 * Ask the AutoHeal protection guard about a stand-in target for every
 * configured rule: each must be refused. A rule that protects nothing (a
 * typo'd key, a pattern the guard cannot read) shows up as not enforced.
 */
export function protectedGuardCheck(
  rules: readonly ProtectedRule[],
  protects: (kind: 'service' | 'container', target: string, live?: LiveFacts) => string | null,
): { configured: number; denied: number } {
  let denied = 0;
  for (const r of rules) {
    let verdict: string | null;
    if ('container' in r) verdict = protects('container', sample(r.container));
    else if ('service' in r) verdict = protects('service', sample(r.service));
    else if ('image' in r) verdict = protects('container', 'vigil-smoke-probe', { name: 'vigil-smoke-probe', image: sample(r.image) });
    else {
      const [k = '', v = 'x'] = r.label.split('=', 2);
      const live: LiveFacts = { name: 'vigil-smoke-probe', labels: { [sample(k)]: sample(v) } };
      verdict = protects('container', 'vigil-smoke-probe', live);
    }
    if (verdict) denied++;
  }
  return { configured: rules.length, denied };
}
