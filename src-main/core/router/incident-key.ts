import type { Config } from '../config';
import type { MessageThread } from '../message';
import { firstRouteOf } from './noise/eligible';

type Alertish = { source: string; severity: string; labels: Record<string, string>; fingerprint: string };

/**
 * The alert group an alert belongs to — its incident: the first matching route's groupBy label values
 * (default alertname), else the alert alone. One key for the incident record (loop) and the message
 * thread its notifications are folded into (R-NOTIFY-8).
 */
export function incidentGroup(config: Config, ev: Alertish): { key: string; labels: Record<string, string> } {
  const route = firstRouteOf(config.routes, ev);
  const groupBy = route >= 0 ? config.routes[route]!.groupBy : ['alertname'];
  // A loop, not filter/map/fromEntries/entries/join: every event of a storm asks (the incident stage, its thread).
  const labels: Record<string, string> = {};
  for (const l of groupBy) {
    const v = ev.labels[l];
    if (v) labels[l] = v;
  }
  let key = '';
  for (const l in labels) key += `${key ? ',' : ''}${l}=${labels[l]}`;
  return key ? { key: `r${route}|${key}`, labels } : { key: `fp|${ev.fingerprint}`, labels: { fingerprint: ev.fingerprint } };
}

/** The thread of a message about this alert; `closes` when it ends the incident. */
export const threadOf = (config: Config, ev: Alertish, closes = false): MessageThread => ({
  key: incidentGroup(config, ev).key,
  ...(closes ? { closes } : {}),
});

/**
 * The thread of an alert's own resolution: it ends the incident only when the alert is not grouped with others
 * (a group resolves in one message of its own, R-NOISE-1). The router's resolution and the escalation chain's use it,
 * so the two rows of a channel that is on both (one idempotency key) say the same.
 */
export function resolutionThread(config: Config, ev: Alertish): MessageThread {
  const t = threadOf(config, ev);
  return t.key.startsWith('fp|') ? { ...t, closes: true } : t;
}
