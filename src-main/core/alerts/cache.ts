import type { Config } from '../config';
import type { AlertRow, SilenceRecord } from '../store';

/**
 * Built answers reused while nothing they derive from can have changed:
 * the database (any write, any connection), the config object (a reload
 * swaps it) and time (the next instant a silence starts or ends, an
 * alert's endsAt passes, a resolved alert leaves the window, or — with mute
 * windows configured — the next minute). Dashboards poll an unchanged
 * state far more often than it changes (the alerts bench: 10,000 alerts).
 */
export interface AnswerCache {
  get<T>(key: string, build: () => { value: T; validUntil: number }): T;
}

const MAX_KEYS = 32;

export function answerCache(version: () => string, config: () => Config, now: () => number): AnswerCache {
  const entries = new Map<string, { version: string; config: Config; validUntil: number; value: unknown }>();
  return {
    get<T>(key: string, build: () => { value: T; validUntil: number }): T {
      const v = version();
      const c = config();
      const hit = entries.get(key);
      if (hit && hit.version === v && hit.config === c && now() < hit.validUntil) return hit.value as T;
      const built = build();
      if (entries.size >= MAX_KEYS) entries.clear();
      entries.set(key, { version: v, config: c, validUntil: built.validUntil, value: built.value });
      return built.value;
    },
  };
}

/** The first instant after `now` at which judging these rows and silences could give another answer. */
export function nextChange(
  now: number,
  rows: AlertRow[],
  silences: SilenceRecord[],
  config: Config,
  resolvedWindow: number | null,
): number {
  let t = config.mutes.length ? (Math.floor(now / 60_000) + 1) * 60_000 : Infinity;
  for (const s of silences) {
    if (s.startsAt > now && s.startsAt < t) t = s.startsAt;
    if (s.endsAt > now && s.endsAt < t) t = s.endsAt;
  }
  for (const r of rows) {
    if (r.endsAt !== null && r.endsAt > now && r.endsAt < t) t = r.endsAt;
    if (resolvedWindow !== null && r.status === 'resolved' && r.lastSeen + resolvedWindow < t)
      t = Math.max(now + 1, r.lastSeen + resolvedWindow);
  }
  return t;
}
