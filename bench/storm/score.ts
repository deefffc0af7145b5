import type { Incident, Storm } from './generate';

/** One notification as a person received it, reduced to what scoring needs. */
export interface Notice {
  /** ms from the storm's start (simulated for Vigil, wall clock for Alertmanager). */
  at: number;
  /** The alertname it is about (its group's). */
  alertname: string;
  info: boolean;
  /** Everything it says: scoring looks for alertname + host in here. */
  text: string;
}

export interface Score {
  name: string;
  raw: number;
  sent: number;
  percentOfRaw: number;
  missed: Incident[];
  firstAfterMs: number | null;
  byKind: Record<string, number>;
  /** Notifications per alert group (an incident as Vigil and Alertmanager's group_by [alertname] count it). */
  perGroup: number;
}

/** The storm's alert groups: its incidents' distinct alertnames. */
export const groupsOf = (storm: Storm): number => new Set(storm.incidents.map((i) => i.alertname)).size;

const word = (s: string): RegExp => new RegExp(`(^|[^A-Za-z0-9_-])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_-])`);

/** Which incidents no notification mentions (alertname and host in the same notification; the burst by its alertname). */
export function missedIncidents(storm: Storm, notices: Notice[]): Incident[] {
  return storm.incidents.filter(
    (i) => !notices.some((n) => word(i.alertname).test(n.text) && (i.host === null || word(i.host).test(n.text))),
  );
}

/** `seen`: everything the person could read (Vigil's folded edits too); defaults to the notifications themselves. */
export function score(name: string, storm: Storm, notices: Notice[], seen: Notice[] = notices): Score {
  const kindOf = new Map(storm.incidents.map((i) => [i.alertname, i.kind] as const));
  const byKind: Record<string, number> = { persistent: 0, flapping: 0, burst: 0, info: 0 };
  for (const n of notices)
    byKind[n.info ? 'info' : (kindOf.get(n.alertname) ?? 'other')] =
      (byKind[n.info ? 'info' : (kindOf.get(n.alertname) ?? 'other')] ?? 0) + 1;
  const firstIncident = Math.min(...storm.incidents.map((i) => i.startsAt));
  const first = notices.length ? Math.min(...notices.map((n) => n.at)) : null;
  return {
    name,
    raw: storm.events.length,
    sent: notices.length,
    percentOfRaw: (100 * notices.length) / storm.events.length,
    missed: missedIncidents(storm, seen),
    // Both replays post events at the start of their 250 ms intake tick: a notification in the first tick counts as 0.
    firstAfterMs: first === null ? null : Math.max(0, first - firstIncident),
    byKind,
    perGroup: notices.length / groupsOf(storm),
  };
}
