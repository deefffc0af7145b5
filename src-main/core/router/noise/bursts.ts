import type { Member } from './members';

/**
 * Fleet-wide bursts (R-NOISE-3): many distinct hosts starting to fire the
 * same alertname within burstWindow. Pure state, no I/O; counters, not
 * scans, so a burst of thousands of hosts costs O(1) per event.
 *
 * A burst is reported once per window at most: at detection it waits until
 * one group window after its first host started, then sends ONE message —
 * "firing on N hosts", or, if every host has resolved by then, "fired on N
 * hosts for D and resolved" (a quick burst is never dropped). A reported
 * burst sends one more message when all its hosts have resolved.
 */
export interface Watch {
  /** Recent starts of this alertname, oldest first (at most ~burstThreshold: detection empties it). */
  starts: Member[];
}

export interface Burst {
  alertname: string;
  channels: string[];
  startedAt: number;
  detectedAt: number;
  reported: boolean;
  /** Persisted one row per member, not with the burst (a Map, as a group's). */
  members: Map<string, Member>;
  size: number;
  firing: number;
  lastResolvedAt: number | null;
  flushAt: number | null;
  resolveAt: number | null;
  /** The message thread of the incident it speaks for (R-NOTIFY-8); absent on rows stored before threads. */
  thread?: string;
}

/** Record a start; returns the starts within the window (newest state per fingerprint). */
export function noteStart(w: Watch, m: Member, now: number, window: number): Member[] {
  w.starts = w.starts.filter((s) => s.since > now - window && s.fp !== m.fp);
  w.starts.push(m);
  return w.starts;
}

export function noteResolved(w: Watch, fp: string): void {
  const s = w.starts.find((x) => x.fp === fp);
  if (s) s.firing = false;
}

export const distinctHosts = (ms: Member[]): number => new Set(ms.map((m) => m.host)).size;

const union = (a: string[], b: string[] = []): string[] => (b.every((c) => a.includes(c)) ? a : [...new Set([...a, ...b])]);

export function openBurst(alertname: string, starts: Member[], now: number, groupWindow: number): Burst {
  const startedAt = Math.min(...starts.map((s) => s.since));
  const channels = starts.reduce<string[]>((acc, s) => union(acc, s.channels), []);
  const members = new Map(starts.map((s) => [s.fp, { ...s }]));
  const firing = starts.filter((s) => s.firing).length;
  return {
    alertname,
    channels,
    startedAt,
    detectedAt: now,
    reported: false,
    members,
    size: starts.length,
    firing,
    lastResolvedAt: null,
    flushAt: Math.max(now, startedAt + groupWindow),
    resolveAt: null,
  };
}

export const burstDueAt = (b: Burst): number | null =>
  b.flushAt === null ? b.resolveAt : b.resolveAt === null ? b.flushAt : Math.min(b.flushAt, b.resolveAt);

/** A new host joins an open burst (it is firing). */
export function addMember(b: Burst, m: Member): void {
  b.members.set(m.fp, { ...m, firing: true });
  b.size += 1;
  b.firing += 1;
  b.channels = union(b.channels, m.channels);
  b.resolveAt = null;
}

/** A member fires again. Returns false when it was firing already (nothing changed). */
export function refireMember(b: Burst, fp: string): boolean {
  const m = b.members.get(fp);
  if (!m || m.firing) return false;
  m.firing = true;
  b.firing += 1;
  b.resolveAt = null;
  return true;
}

/** A member resolved; once all have, a reported burst schedules its resolution message. Returns whether all have. */
export function resolveMember(b: Burst, fp: string, now: number, window: number): boolean {
  const m = b.members.get(fp);
  if (!m) return false;
  if (m.firing) {
    m.firing = false;
    b.firing -= 1;
    b.lastResolvedAt = now; // a repeated "resolved" does not lengthen the burst
  }
  if (b.firing === 0 && b.reported) b.resolveAt ??= now + window;
  return b.firing === 0;
}

/** A member leaves (it started flapping: the flap rule speaks for it). */
export function removeMember(b: Burst, fp: string): void {
  const m = b.members.get(fp);
  if (!m) return;
  b.members.delete(fp);
  b.size -= 1;
  if (m.firing) b.firing -= 1;
}

export type BurstDue = { type: 'firing' } | { type: 'resolved'; reportedBefore: boolean } | null;

/** What the timer has to send now. 'resolved' closes the burst (the caller deletes it). */
export function takeBurstDue(b: Burst, now: number): BurstDue {
  if (!b.reported && b.flushAt !== null && now >= b.flushAt) {
    b.flushAt = null;
    if (b.firing === 0) return { type: 'resolved', reportedBefore: false };
    b.reported = true;
    return { type: 'firing' };
  }
  if (b.resolveAt !== null && now >= b.resolveAt) return { type: 'resolved', reportedBefore: true };
  return null;
}
