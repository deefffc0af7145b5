import type { Matcher } from '../../../src-shared/api/events';
import { compileLinear, type LinearRegex } from '../regex';
import type { SilenceRecord } from '../store';

type Matchable = { source: string; severity: string; labels: Record<string, string> };
// The last answer, for the same object asked again with the same labels object, source and severity.
let lastEv: Matchable | null = null;
let lastLabels: Record<string, string> | null = null;
let lastSource = '';
let lastSeverity = '';
let lastOut: Readonly<Record<string, string>> = {};

/**
 * The label set matchers see: the event's labels plus source and severity. Read-only: the deciding pass asks it
 * five times an alert (silence, mute, route, triage, escalation), so the last answer is kept for the same object
 * with the same labels object, source and severity (a copy of the labels per ask was a storm's garbage).
 */
export const matchLabels = (ev: Matchable): Readonly<Record<string, string>> => {
  if (ev === lastEv && ev.labels === lastLabels && ev.source === lastSource && ev.severity === lastSeverity) return lastOut;
  lastOut = { source: ev.source, ...ev.labels, severity: ev.severity };
  lastEv = ev;
  lastLabels = ev.labels;
  lastSource = ev.source;
  lastSeverity = ev.severity;
  return lastOut;
};

/**
 * Regex matchers are anchored at both ends, as in Alertmanager, and run in linear time (RE2, R-SEC-5).
 * Throws RegexSyntaxError on a pattern RE2 does not accept.
 */
export const compileRegex = (pattern: string): LinearRegex => compileLinear(pattern);

/** A stored silence whose pattern no longer compiles matches nothing: its alerts notify rather than vanish. */
const storedRegex = (pattern: string): LinearRegex => {
  try {
    return compileRegex(pattern);
  } catch {
    return { test: () => false };
  }
};

export type CompiledMatcher = (labels: Record<string, string>) => boolean;

export function compileMatcher(m: Matcher): CompiledMatcher {
  switch (m.op) {
    case '=':
      return (l) => (l[m.name] ?? '') === m.value;
    case '!=':
      return (l) => (l[m.name] ?? '') !== m.value;
    case '=~': {
      const re = storedRegex(m.value);
      return (l) => re.test(l[m.name] ?? '');
    }
    case '!~': {
      const re = storedRegex(m.value);
      return (l) => !re.test(l[m.name] ?? '');
    }
  }
}

/** All matchers must hold (an absent label counts as the empty string). */
export function compileMatchers(ms: Matcher[]): CompiledMatcher {
  const fns = ms.map(compileMatcher);
  return (l) => fns.every((f) => f(l));
}

/** The silences in force, compiled once and refreshed when a silence is created or expired. */
export class ActiveSilences {
  private compiled: Array<{ s: SilenceRecord; test: CompiledMatcher }> = [];

  constructor(
    private readonly load: () => SilenceRecord[],
    /** Told after each refresh (the main thread tells the decider thread, whose copy decides). */
    private readonly refreshed: () => void = () => undefined,
  ) {
    this.reload();
  }
  /** A silence was created or expired: reload (and tell whoever else holds a copy). */
  refresh(): void {
    this.reload();
    this.refreshed();
  }
  /** Reload from the store only (the decider thread, told by the main thread). */
  reload(): void {
    this.compiled = this.load().map((s) => ({ s, test: compileMatchers(s.matchers) }));
  }
  /** The first silence active at `now` whose matchers all hold. */
  find(labels: Record<string, string>, now: number): SilenceRecord | null {
    for (const { s, test } of this.compiled) if (s.startsAt <= now && now < s.endsAt && test(labels)) return s;
    return null;
  }
}
