import type { Message } from '../../notify';
import type { Burst } from './bursts';
import type { Flap } from './flaps';
import type { Group } from './groups';
import { worst, type Member } from './members';
import { utcText } from '../../duration';
import { isAckData } from '../../ack';

/** How many members a message names before "+N more". */
export const NAMED = 10;

export const hostList = (hosts: string[], n = NAMED): string => {
  const rest = hosts.length - n;
  return hosts.slice(0, n).join(', ') + (rest > 0 ? ` … +${rest} more` : '');
};

export const span = (ms: number): string =>
  ms >= 3_600_000 ? `${+(ms / 3_600_000).toFixed(1)}h` : ms >= 60_000 ? `${+(ms / 60_000).toFixed(1)}m` : `${Math.round(ms / 1000)}s`;

/** A group's incident thread: the key incidentGroup gives its members (route and non-empty groupBy values, R-NOTIFY-8). */
export const groupThread = (g: Group): string =>
  `${g.key.split('|')[0]}|${Object.entries(g.labels)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;

const groupName = (g: Group): string => Object.values(g.labels).filter(Boolean).join('/') || 'alerts';
const groupLabelText = (g: Group): string =>
  Object.entries(g.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
const hosts = (ms: Member[]): string[] => ms.map((m) => m.host);

const base = (o: Omit<Message, 'fingerprint' | 'labels'> & Partial<Pick<Message, 'fingerprint' | 'labels'>>): Message => ({
  fingerprint: null,
  labels: {},
  ...o,
});

/** R-NOISE-1: one update naming every alert that joined the group during the window. */
export function groupUpdate(g: Group, joined: Member[]): Message {
  const all = [...g.members.values()];
  const firing = g.firing;
  const resolved = all.filter((m) => !m.firing).map((m) => m.host);
  const sev = worst(joined);
  return base({
    kind: 'group',
    severity: sev,
    status: 'firing',
    eventId: joined[joined.length - 1]!.eventId,
    labels: g.labels,
    thread: { key: groupThread(g) },
    title: `${sev.toUpperCase()}: ${groupName(g)} +${joined.length} more on ${hostList(hosts(joined), 3)}`,
    body: [
      `${joined.length} more alert${joined.length === 1 ? '' : 's'} joined the group: ${hostList(hosts(joined))}`,
      `Now firing: ${firing} of ${all.length} (group ${groupLabelText(g)}).`,
      resolved.length ? `Resolved: ${hostList(resolved)}` : '',
      joined[0]!.summary ? `Example: ${joined[0]!.summary}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
  });
}

/**
 * R-NOTIFY-13: a new group's first message, naming every alert that arrived in the same batch as the first (`first` is
 * the first alert's own message: its labels, triage and suggestions stay, under the group's lines). Its Acknowledge
 * button acknowledges the first alert only, so it says whose.
 */
export const groupFirst = (g: Group, first: Message): Message =>
  naming(first, [...g.members.values()], g.firing, groupName(g), `of group ${groupLabelText(g)} arrived together`);

/** R-NOTIFY-13: the same when a fleet-wide burst took the group's alerts in that batch (its own report follows). */
export const burstFirst = (b: Burst, first: Message): Message =>
  naming(
    first,
    [...b.members.values()],
    b.firing,
    `fleet-wide ${b.alertname}`,
    `of a fleet-wide ${b.alertname} burst so far (one report follows)`,
  );

function naming(first: Message, all: Member[], firing: number, name: string, what: string): Message {
  const sev = worst(all);
  const resolved = all.filter((m) => !m.firing).map((m) => m.host);
  const host = all.find((m) => m.fp === first.fingerprint)?.host;
  const buttons = first.buttons?.map((b) => (host && isAckData(b.data) ? { ...b, text: `Acknowledge ${host}` } : b));
  return {
    ...first,
    ...(buttons ? { buttons } : {}),
    severity: sev,
    title: `${sev.toUpperCase()}: ${name} — ${all.length} alerts on ${hostList(hosts(all), 3)}`,
    body: [
      `${all.length} alerts ${what}: ${hostList(hosts(all))}`,
      resolved.length ? `Now firing: ${firing} of ${all.length}. Resolved: ${hostList(resolved)}` : '',
      `First: ${first.title}`,
      first.body,
    ]
      .filter(Boolean)
      .join('\n'),
  };
}

/** R-NOISE-1: a group's resolution is one message. */
export function groupResolved(g: Group, now: number): Message {
  const all = [...g.members.values()];
  return base({
    kind: 'resolved',
    severity: worst(all),
    status: 'resolved',
    eventId: all[all.length - 1]?.eventId ?? null,
    labels: g.labels,
    thread: { key: groupThread(g), closes: true },
    title:
      all.length === 1
        ? `RESOLVED: ${all[0]!.summary}`
        : `RESOLVED: ${groupName(g)} — all ${all.length} alerts (${hostList(hosts(all), 3)})`,
    body: [`Every alert of group ${groupLabelText(g)} has resolved: ${hostList(hosts(all))}`, `Open for ${span(now - g.openedAt)}.`].join(
      '\n',
    ),
  });
}

/** R-NOISE-3: one message for a fleet-wide burst, firing or (quick burst) already resolved. */
export function burstMessage(b: Burst, now: number, resolved: boolean, reportedBefore: boolean): Message {
  const all = [...b.members.values()];
  const n = new Set(hosts(all)).size;
  const lasted = (b.lastResolvedAt ?? now) - b.startedAt;
  const sev = worst(all);
  const title = resolved
    ? `RESOLVED: fleet-wide ${b.alertname} on ${n} hosts (lasted ${span(lasted)})`
    : `${sev.toUpperCase()}: fleet-wide ${b.alertname} on ${n} hosts`;
  const body = [
    resolved
      ? `${b.alertname} fired on ${n} hosts and all resolved after ${span(lasted)}.`
      : `${b.alertname} started firing on ${n} hosts within ${span(b.detectedAt - b.startedAt)}.`,
    `Hosts: ${hostList(hosts(all))}`,
    resolved && !reportedBefore ? "It resolved before its firing report was due: this is the burst's only report." : '',
    !resolved ? 'One message for the whole burst; its resolution follows as one message.' : '',
    all[0]?.summary ? `Example: ${all[0].summary}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return base({
    kind: 'burst',
    severity: sev,
    status: resolved ? 'resolved' : 'firing',
    eventId: all[0]?.eventId ?? null,
    labels: { alertname: b.alertname },
    thread: { key: b.thread ?? `burst|${b.alertname}`, ...(resolved ? { closes: true } : {}) },
    title,
    body,
  });
}

/** R-NOISE-2: the alert started flapping (sent once) or has settled (the summary). */
export function flapMessage(f: Flap, window: number, settledNow: boolean): Message {
  const title = settledNow ? `SETTLED: ${f.summary} (now ${f.status}, flapped ${f.total} times)` : `FLAPPING: ${f.summary}`;
  const body = settledNow
    ? `Changed state ${f.total} times since ${utcText(f.since ?? 0)}; no change for ${span(window)}. Current state: ${f.status}.`
    : `${f.times.length} state changes within ${span(window)}; now ${f.status}. Further changes are held until it settles; a summary follows then.`;
  return base({
    kind: 'flapping',
    severity: f.severity,
    status: f.status,
    eventId: f.eventId,
    fingerprint: f.fp,
    labels: f.labels,
    thread: { key: f.thread ?? `fp|${f.fp}` },
    title,
    body,
  });
}
