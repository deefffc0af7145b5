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
