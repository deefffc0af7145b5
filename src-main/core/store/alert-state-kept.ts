import type { AlertStatus, Severity } from '../../../src-shared/constants';
import type { AlertState } from './alert-state';

const STATUS: readonly AlertStatus[] = ['firing', 'resolved'];
const SEVERITY: readonly Severity[] = ['info', 'warning', 'critical'];
const NOTIFIED: ReadonlyArray<AlertStatus | null> = [null, 'firing', 'resolved'];
const NONE: Record<string, string> = Object.freeze({}) as Record<string, string>;
/** A time is kept as its distance from the base while that is a small integer (31 bits, whatever V8's build): ±12 days. */
const SPAN = 0x3fffffff;

/**
 * A state as the alert-state cache keeps it (R-SCALE-44): the decider keeps one per alert it has seen (up to 50,000),
 * so each is part of what its scavenges copy and its old generation holds. A copy of the state was 16 fields and a
 * heap number per time (four a new alert: 216 bytes, five objects); here the times are small integers counted from
 * the keeper's base, held in the object itself, and status, severity and notifiedStatus are one integer: 128 bytes, one
 * object. The fingerprint is the cache's key.
 */
export class KeptState {
  constructor(
    readonly source: string,
    /** status (bit 0), severity (bits 1-2), notifiedStatus (bits 3-4), as indexes of the lists above. */
    readonly flags: number,
    readonly summary: string,
    readonly labels: Record<string, string>,
    readonly firstSeen: number,
    readonly lastSeen: number,
    readonly lastEventId: string,
    readonly count: number,
    readonly notifiedAt: number | null,
    readonly annotations: Record<string, string>,
    readonly generatorURL: string | null,
    readonly startsAt: number | null,
    readonly endsAt: number | null,
  ) {}
}

/**
 * Makes and reads KeptStates. Times count from a base set by the first fresh state written; the store drops every
 * kept state when the clock has gone past the span and the base moves (`moved`). A state with a time that does not fit, a value
 * outside the enums, or an optional field absent is not kept in this form (null: the store keeps a copy, as before).
 * Strings equal to the previous kept state's (label values, generatorURL, source) are taken from it: a storm's alerts
 * arrive by rule, and each parsed its own copy (R-SCALE-44: one URL and one alertname string an alert in bench router).
 */
export function stateKeeper() {
  let base = NaN;
  let last: KeptState | null = null;
  const fits = (t: number | null): boolean => t === null || (Number.isInteger(t) && Math.abs(t - base) <= SPAN);
  const rel = (t: number | null): number | null => (t === null ? null : t - base);
  const abs = (t: number | null): number | null => (t === null ? null : t + base);
  const index = <T>(list: readonly T[], v: T): number => list.indexOf(v);

  /** Label values equal to the previous state's take its strings (the labels object is the alert's own; not frozen ones). */
  const shareLabels = (labels: Record<string, string>): void => {
    const p = last?.labels;
    if (!p || p === labels || Object.isFrozen(labels)) return;
    for (const k in labels) {
      const v = p[k];
      if (v !== undefined && v === labels[k]) labels[k] = v;
    }
  };

  return {
    /**
     * A fresh state's lastSeen (the clock): counted from here on when there is no base yet, or when it is too far from
     * the base; true when kept states counted from the old base must go (the store drops them all, once in 12 days).
     */
    moved(at: number): boolean {
      if (!Number.isInteger(at) || Math.abs(at - base) <= SPAN) return false;
      const had = !Number.isNaN(base);
      base = at;
      last = null;
      return had;
    },
    keep(s: AlertState): KeptState | null {
      const { annotations, generatorURL, startsAt, endsAt } = s;
      if (annotations === undefined || generatorURL === undefined || startsAt === undefined || endsAt === undefined) return null;
      if (!fits(s.firstSeen) || !fits(s.lastSeen) || !fits(s.notifiedAt) || !fits(startsAt) || !fits(endsAt)) return null;
      const st = index(STATUS, s.status);
      const sev = index(SEVERITY, s.severity);
      const told = index(NOTIFIED, s.notifiedStatus);
      if (st < 0 || sev < 0 || told < 0 || !Number.isInteger(s.count) || Math.abs(s.count) > SPAN) return null;
      shareLabels(s.labels);
      const p = last;
      const k = new KeptState(
        p !== null && p.source === s.source ? p.source : s.source,
        st | (sev << 1) | (told << 3),
        s.summary,
        s.labels,
        s.firstSeen - base,
        s.lastSeen - base,
        s.lastEventId,
        s.count,
        rel(s.notifiedAt),
        annotations,
        p !== null && p.generatorURL === generatorURL ? p.generatorURL : generatorURL,
        rel(startsAt),
        rel(endsAt),
      );
      last = k;
      return k;
    },
    /** The state a KeptState holds, as a new object (the caller may change it). */
    state(fingerprint: string, k: KeptState): AlertState {
      return {
        fingerprint,
        source: k.source,
        severity: SEVERITY[(k.flags >> 1) & 3]!,
        status: STATUS[k.flags & 1]!,
        summary: k.summary,
        labels: k.labels,
        firstSeen: k.firstSeen + base,
        lastSeen: k.lastSeen + base,
        lastEventId: k.lastEventId,
        count: k.count,
        notifiedStatus: NOTIFIED[(k.flags >> 3) & 3]!,
        notifiedAt: abs(k.notifiedAt),
        annotations: k.annotations,
        generatorURL: k.generatorURL,
        startsAt: abs(k.startsAt),
        endsAt: abs(k.endsAt),
      };
    },
    /** Whether `s` differs from what `k` holds only in its counters (lastSeen, lastEventId, count, endsAt). */
    sameButCounters(k: KeptState, s: AlertState, sameLabels: (a: Record<string, string>, b: Record<string, string>) => boolean): boolean {
      return (
        (k.flags & 1) === index(STATUS, s.status) &&
        ((k.flags >> 1) & 3) === index(SEVERITY, s.severity) &&
        ((k.flags >> 3) & 3) === index(NOTIFIED, s.notifiedStatus) &&
        k.summary === s.summary &&
        k.firstSeen + base === s.firstSeen &&
        abs(k.notifiedAt) === s.notifiedAt &&
        abs(k.startsAt) === s.startsAt &&
        k.generatorURL === s.generatorURL &&
        sameLabels(k.labels, s.labels) &&
        sameLabels(k.annotations, s.annotations ?? NONE)
      );
    },
  };
}
