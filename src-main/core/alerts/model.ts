import type { Alert, AlertGroup } from '../../../src-shared/api/alerts';
import type { Matcher } from '../../../src-shared/api/events';
import type { LinearRegex } from '../regex';
import type { Config, RouteConfig } from '../config';
import { compileMatchers, labelsMatch, matchLabels, muteActive, type CompiledMatcher } from '../router';
import type { AlertRow, SilenceRecord } from '../store';

/** Go's zero time: what Alertmanager writes for "no end". */
export const NO_END = '0001-01-01T00:00:00Z';
const RANK = { critical: 0, warning: 1, info: 2 } as const;

/** The state an alert is judged in: silences and mute windows in force at `now`, the routes. */
export interface Judge {
  now: number;
  silences: Array<{ id: string; test: CompiledMatcher }>;
  mutes: Array<{ name: string; match: Record<string, string> }>;
  routes: readonly RouteConfig[];
}

export function judge(now: number, silences: SilenceRecord[], config: Config): Judge {
  return {
    now,
    silences: silences.filter((s) => s.startsAt <= now && now < s.endsAt).map((s) => ({ id: s.id, test: compileMatchers(s.matchers) })),
    mutes: config.mutes.filter((m) => muteActive(m, now)),
    routes: config.routes,
  };
}

/** The routes an alert takes, in order, honouring `continue` (as the route stage does). */
export function routesOf(routes: readonly RouteConfig[], labels: Record<string, string>): RouteConfig[] {
  const out: RouteConfig[] = [];
  for (const r of routes) {
    if (!labelsMatch(r.match, labels)) continue;
    out.push(r);
    if (!r.continue) break;
  }
  return out;
}

/** Resolved by its source, or firing with an endsAt that has passed (Alertmanager's resolve-by-timeout). */
export const isResolved = (r: AlertRow, now: number): boolean => r.status === 'resolved' || (r.endsAt !== null && r.endsAt <= now);

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * R-ALERT-1/3: one alert as the API and the console show it. Suppression is
 * judged now, from the silences and mute windows in force, so a silence
 * acts the moment it is created and its expiry releases at once.
 */
export function toAlert(r: AlertRow, j: Judge): Alert {
  const ml = matchLabels(r);
  const silencedBy: string[] = [];
  for (const s of j.silences) if (s.test(ml)) silencedBy.push(s.id);
  const mutedBy: string[] = [];
  for (const m of j.mutes) if (labelsMatch(m.match, ml)) mutedBy.push(m.name);
  const receivers: Array<{ name: string }> = [];
  for (const route of routesOf(j.routes, ml))
    for (const c of route.channels) if (!receivers.some((x) => x.name === c)) receivers.push({ name: c });
  const resolved = isResolved(r, j.now);
  const alert: Alert = {
    labels: r.labels,
    annotations: r.annotations,
    receivers,
    fingerprint: r.fingerprint,
    startsAt: iso(r.startsAt ?? r.firstSeen),
    updatedAt: iso(r.lastSeen),
    endsAt: r.endsAt !== null ? iso(r.endsAt) : NO_END,
    status: { state: silencedBy.length || mutedBy.length ? 'suppressed' : 'active', silencedBy, inhibitedBy: [] },
    vigil: {
      source: r.source,
      severity: r.severity,
      status: resolved ? 'resolved' : 'firing',
      summary: r.summary,
      count: r.count,
      firstSeen: r.firstSeen,
      lastEventId: r.lastEventId,
      mutedBy,
      ack: r.ack,
      escalated: r.escalated,
    },
  };
  if (r.generatorURL) alert.generatorURL = r.generatorURL;
  return alert;
}

export interface AlertFilter {
  matchers: Matcher[];
  active: boolean;
  silenced: boolean;
  inhibited: boolean;
  receiver: LinearRegex | null;
  includeResolved: boolean;
}

/** Alertmanager's alertFilter: ended alerts out (unless asked), then the state flags, then the matchers. */
export function filterAlerts(alerts: Alert[], f: AlertFilter): Alert[] {
  const test = compileMatchers(f.matchers);
  return alerts.filter((a) => {
    if (a.vigil.status === 'resolved' && !f.includeResolved) return false;
    if (!f.active && a.status.state === 'active') return false;
    if (!f.silenced && a.status.silencedBy.length) return false;
    if (!f.inhibited && a.status.inhibitedBy.length) return false;
    if (f.receiver && !a.receivers.some((r) => f.receiver!.test(r.name))) return false;
    return f.matchers.length === 0 || test(matchLabels({ source: a.vigil.source, severity: a.vigil.severity, labels: a.labels }));
  });
}

/** Most severe first, then the newest start. */
export const byUrgency = (a: Alert, b: Alert): number =>
  RANK[a.vigil.severity] - RANK[b.vigil.severity] || (a.startsAt < b.startsAt ? 1 : a.startsAt > b.startsAt ? -1 : 0);

/**
 * Groups as Alertmanager forms them: per route, by the route's groupBy
 * labels (default alertname); an alert no route takes is grouped by
 * alertname under receiver "none". Most severe, then largest group first.
 */
export function groupAlerts(alerts: Alert[], routes: readonly RouteConfig[]): AlertGroup[] {
  const groups = new Map<string, AlertGroup>();
  for (const a of alerts) {
    const ml = matchLabels({ source: a.vigil.source, severity: a.vigil.severity, labels: a.labels });
    const route = routesOf(routes, ml)[0];
    const by = route?.groupBy ?? ['alertname'];
    const labels: Record<string, string> = {};
    for (const k of by) if (ml[k] !== undefined && ml[k] !== '') labels[k] = ml[k];
    const receiver = route ? route.channels.join(',') || 'none' : 'none';
    const key = `${route ? routes.indexOf(route) : -1}\u0000${JSON.stringify(labels)}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, receiver: { name: receiver }, alerts: [] }));
    g.alerts.push(a);
  }
  const out = [...groups.values()];
  for (const g of out) g.alerts.sort(byUrgency);
  return out.sort(
    (x, y) =>
      RANK[x.alerts[0]!.vigil.severity] - RANK[y.alerts[0]!.vigil.severity] ||
      y.alerts.length - x.alerts.length ||
      byUrgency(x.alerts[0]!, y.alerts[0]!),
  );
}
