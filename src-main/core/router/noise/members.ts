import type { Severity } from '../../../../src-shared/constants';

/** One alert (fingerprint) as a group or burst remembers it. */
export interface Member {
  fp: string;
  host: string;
  eventId: string;
  severity: Severity;
  summary: string;
  firing: boolean;
  since: number;
  /** Where its own notification would go (a burst reports to every member's channels). */
  channels?: string[];
}

/**
 * A member as its row stores it: `[host, eventId, severity, summary, firing (1/0), since, channels?]`, without the
 * fingerprint (the row's key) or any key name. A storm writes one such row per alert joining a group: the object's JSON
 * was ~200 bytes, this ~110. Rows written whole before read unchanged (unpackMember).
 */
export type PackedMember = [string, string, Severity, string, 0 | 1, number, string[]?];

export const packMember = (m: Member): PackedMember =>
  m.channels
    ? [m.host, m.eventId, m.severity, m.summary, m.firing ? 1 : 0, m.since, m.channels]
    : [m.host, m.eventId, m.severity, m.summary, m.firing ? 1 : 0, m.since];

/** A member row's body (parsed) in either form, its fingerprint from the row's key. */
export function unpackMember(fp: string, body: unknown): Member {
  if (!Array.isArray(body)) return body as Member;
  const [host, eventId, severity, summary, firing, since, channels] = body as PackedMember;
  const m: Member = { fp, host, eventId, severity, summary, firing: firing === 1, since };
  if (channels) m.channels = channels;
  return m;
}

const HOST_LABELS = ['host', 'instance', 'hostname', 'node', 'pod'];

/** What to call an alert's place in a fleet: its host-ish label, else the fingerprint. */
export const hostOf = (labels: Record<string, string>, fp: string): string => {
  for (const l of HOST_LABELS) if (labels[l]) return labels[l];
  return fp;
};

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
export const worst = (ms: Iterable<{ severity: Severity }>): Severity => {
  let s: Severity = 'info';
  for (const m of ms) if (RANK[m.severity] > RANK[s]) s = m.severity;
  return s;
};
