import type { Severity } from '../../../src-shared/constants';
import { formatDuration } from '../duration';
import type { OutboxRow, OutboxThread } from '../store';
import type { WorkerScope } from './scope';
import { isOpen, wakes } from './threads';
import type { Message } from './types';

/**
 * Rate-limited digests (R-NOTIFY-9) for channels that cannot edit (webhook: often a chat robot).
 * The first message of an incident goes at once, as on every channel. Its follow-ups are held —
 * durable outbox rows in state `held` — and one digest per incident per interval carries them:
 * the newest held row becomes the digest (it names how many updates it folds), the others point
 * at it. The wake rule of threads.ts still holds: an escalation or an incident turning critical is
 * sent at once. The incident's resolution is sent at once too and carries what was still held,
 * saying what happened: how many updates, open from when, resolved at when.
 */

/** At most this many held updates are listed by line in one message; the count always covers all. */
const LIST_LINES = 30;

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
const hhmmss = (ms: number): string => new Date(ms).toISOString().slice(11, 19);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export type HoldPlan = { how: 'send'; why: string } | { how: 'hold' } | { how: 'resolve'; held: OutboxRow[]; t: OutboxThread };

/**
 * What to do with one row on a channel that digests (`every` > 0): send it, hold it for the incident's
 * digest, or send it as the incident's resolution carrying the held rows. `held` reads the thread's held rows.
 */
export function planHold(row: OutboxRow, t: OutboxThread | undefined, now: number, every: number, held: () => OutboxRow[]): HoldPlan {
  const m = row.message;
  if (!m.thread) return { how: 'send', why: 'not part of an incident' };
  if (m.kind === 'digest') return { how: 'send', why: 'the incident digest' };
  if (!isOpen(t, now)) return { how: 'send', why: 'first message of the incident' };
  const why = wakes(m, t);
  if (why) return { how: 'send', why };
  if (m.thread.closes) return { how: 'resolve', held: held(), t };
  // Quiet for a whole interval and nothing held: this follow-up is the interval's one message.
  if (now >= t.updatedAt + every && held().length === 0) return { how: 'send', why: 'no message in this incident for an interval' };
  return { how: 'hold' };
}

/** One held update: its title, and its body's first line when that says more (a group update names up to 10 hosts there). */
function line(r: OutboxRow): string {
  const head = `${hhmmss(r.createdAt)} [${r.message.severity}] ${r.message.title}`;
  const first = r.message.body.split('\n', 1)[0]!.trim();
  return first && first !== r.message.title ? `${head}\n    ${first.slice(0, 300)}` : head;
}

function listed(rows: readonly OutboxRow[]): string[] {
  const shown = rows.slice(-LIST_LINES).map(line);
  const more = rows.length - shown.length;
  return more > 0 ? [`… ${more} earlier (kept in Vigil's Queues)`, ...shown] : shown;
}

const worst = (rows: readonly OutboxRow[]): Severity =>
  rows.reduce<Severity>((w, r) => (RANK[r.message.severity] > RANK[w] ? r.message.severity : w), 'info');

/** The digest the newest held row becomes: its own news first, then every update it folds (oldest first). */
export function digestMessage(rows: readonly OutboxRow[], t: OutboxThread | undefined, every: number): Message {
  const newest = rows.at(-1)!;
  const { buttons: _none, ...m } = newest.message;
  const n = rows.length;
  return {
    ...m,
    kind: 'digest',
    severity: worst(rows),
    title: `${m.title} (${plural(n, 'update')} since ${hhmmss(rows[0]!.createdAt)} UTC)`,
    body: [
      m.body,
      '',
      `${plural(n, 'update')} of this incident, folded into one message (at most one every ${formatDuration(every)}):`,
      ...listed(rows),
      ...(t ? [`Incident open since ${hhmmss(t.openedAt)} UTC; ${plural(t.messages, 'message')} sent before this one.`] : []),
    ].join('\n'),
    labels: { ...m.labels, vigil_digest: String(n) },
  };
}

/** The incident's resolution as sent: what happened (how many updates, open from, resolved at), then what was still held. */
export function resolutionMessage(m: Message, t: OutboxThread, held: readonly OutboxRow[], now: number): Message {
  const total = t.messages + t.folded + held.length + 1;
  return {
    ...m,
    title: `${m.title} (incident over: ${plural(total, 'update')}, resolved at ${hhmmss(now)} UTC)`,
    body: [
      m.body,
      '',
      `What happened: ${plural(total, 'update')} from ${hhmmss(t.openedAt)} UTC, resolved at ${hhmmss(now)} UTC ` +
        `(${plural(t.messages, 'message')} sent, ${t.folded} folded into digests${held.length ? `, ${held.length} folded into this one` : ''}).`,
      ...(held.length ? ['Since the last message:', ...listed(held)] : []),
    ].join('\n'),
    labels: { ...m.labels, ...(held.length ? { vigil_digest: String(held.length + 1) } : {}) },
  };
}

/** When the thread's held rows are due: one interval after the incident's last message. */
const dueAt = (t: OutboxThread | undefined, every: number): number => (t ? t.updatedAt + every : 0);

/** The threads whose held rows are due now, and when the next falls due (or null). */
export function dueDigests({ store, channel }: WorkerScope, now: number): { due: string[]; nextAt: number | null } {
  const every = channel.digestEvery ?? 0;
  const due: string[] = [];
  let nextAt: number | null = null;
  for (const { thread } of store.heldThreads(channel.name)) {
    const at = dueAt(store.thread(channel.name, thread), every);
    if (at <= now) due.push(thread);
    else nextAt = Math.min(nextAt ?? at, at);
  }
  return { due, nextAt };
}

/** Each due thread's held rows become its digest (one transaction): the newest is pending again as the digest, the older point at it. */
export function promoteDigests({ ctx, store, channel }: WorkerScope, due: readonly string[]): void {
  ctx.stores.transaction(() => {
    for (const key of due) {
      const rows = store.held(channel.name, key);
      if (!rows.length) continue;
      const message = digestMessage(rows, store.thread(channel.name, key), channel.digestEvery ?? 0);
      store.carry(
        rows.at(-1)!.id,
        message,
        rows.slice(0, -1).map((r) => r.id),
      );
    }
  });
}

/** The thread after a digest or resolution carried `folded` other rows (messages counted by nextThread). */
export const withFolded = (t: OutboxThread, folded: number): OutboxThread => ({ ...t, folded: t.folded + folded });
