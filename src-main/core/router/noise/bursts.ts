import type { Member } from './members';
import { allResolved } from './members';

/**
 * Fleet-wide bursts (R-NOISE-3): many distinct hosts starting to fire the
 * same alertname within burstWindow. Pure state, no I/O.
 *
 * A burst is reported once per window at most: at detection it waits until
 * one group window after its first host started, then sends ONE message —
 * "firing on N hosts", or, if every host has resolved by then, "fired on N
 * hosts for D and resolved" (a quick burst is never dropped). A reported
 * burst sends one more message when all its hosts have resolved.
 */
export interface Watch {
  /** Recent starts of this alertname, oldest first. */
  starts: Member[];
}

export interface Burst {
  alertname: string;
  channels: string[];
  startedAt: number;
  detectedAt: number;
  reported: boolean;
  members: Record<string, Member>;
  lastResolvedAt: number | null;
  flushAt: number | null;
  resolveAt: number | null;
}

/** Record a start; returns the distinct hosts started within the window (newest state per fingerprint). */
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

const union = (a: string[], b: string[] = []): string[] => [...new Set([...a, ...b])];

export function openBurst(alertname: string, starts: Member[], now: number, groupWindow: number): Burst {
  const startedAt = Math.min(...starts.map((s) => s.since));
  const channels = starts.reduce<string[]>((acc, s) => union(acc, s.channels), []);
  const members = Object.fromEntries(starts.map((s) => [s.fp, { ...s }]));
  return { alertname, channels, startedAt, detectedAt: now, reported: false, members, lastResolvedAt: null, flushAt: Math.max(now, startedAt + groupWindow), resolveAt: null };
}

export const burstDueAt = (b: Burst): number | null => (b.flushAt === null ? b.resolveAt : b.resolveAt === null ? b.flushAt : Math.min(b.flushAt, b.resolveAt));

export function addMember(b: Burst, m: Member): void {
  const had = b.members[m.fp];
  b.members[m.fp] = { ...m, since: had?.since ?? m.since };
  b.channels = union(b.channels, m.channels);
  b.resolveAt = null;
}

export function refireMember(b: Burst, fp: string): void {
  const m = b.members[fp];
  if (m) m.firing = true;
  b.resolveAt = null;
}

/** A member resolved; once all have, a reported burst schedules its resolution message. */
export function resolveMember(b: Burst, fp: string, now: number, window: number): boolean {
  const m = b.members[fp];
  if (!m) return false;
  if (m.firing) b.lastResolvedAt = now; // a repeated "resolved" does not lengthen the burst
  m.firing = false;
  if (allResolved(b.members) && b.reported) b.resolveAt ??= now + window;
  return allResolved(b.members);
}

export type BurstDue = { type: 'firing' } | { type: 'resolved'; reportedBefore: boolean } | null;

/** What the timer has to send now. 'resolved' closes the burst (the caller deletes it). */
export function takeBurstDue(b: Burst, now: number): BurstDue {
  if (!b.reported && b.flushAt !== null && now >= b.flushAt) {
    b.flushAt = null;
    if (allResolved(b.members)) return { type: 'resolved', reportedBefore: false };
    b.reported = true;
    return { type: 'firing' };
  }
  if (b.resolveAt !== null && now >= b.resolveAt) return { type: 'resolved', reportedBefore: true };
  return null;
}
