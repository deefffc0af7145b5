import type { Severity } from '../../../src-shared/constants';
import type { OutboxThread } from '../store';
import type { Message } from './types';

/**
 * Quiet storms (R-NOTIFY-8): one message per incident on a human channel.
 * The first message of an incident's thread is sent at once (never delayed,
 * so a fast burst is never missed); every follow-up — group update, flap
 * notice, burst resolution, triage, the incident's resolution — is folded
 * into that message (Telegram edits it, desktop replaces it by tag), which
 * then shows the newest state and the lines before it.
 *
 * The wake rule: a follow-up is a NEW message only where a person must be
 * woken — an escalation, or an incident that turns critical. A resolution
 * is folded: good news wakes nobody. A closed or idle thread starts over.
 */

/** A thread with no message for this long is over: the next message opens a new one. */
export const THREAD_IDLE_MS = 6 * 3_600_000;
/** Closed or idle threads are forgotten after this. */
export const THREAD_KEEP_MS = 7 * 24 * 3_600_000;
/** Lines of history a thread keeps (the folded message shows the newest). */
const KEEP_LINES = 20;
const SHOW_LINES = 10;

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export type ThreadPlan = { how: 'send'; why: string } | { how: 'edit'; ref: string; message: Message };

/** A thread follow-ups still join: not closed, not idle, and its message known. */
export const isOpen = (t: OutboxThread | undefined, now: number): t is OutboxThread =>
  t !== undefined && t.closedAt === null && t.ref !== null && now - t.updatedAt < THREAD_IDLE_MS;

/** Why this follow-up must wake someone (a new message), or null: fold it. */
export function wakes(m: Message, t: OutboxThread): string | null {
  if (m.kind === 'escalation') return 'an escalation hands the incident on: a new message';
  if (m.status === 'firing' && m.severity === 'critical' && t.severity !== 'critical') return 'the incident turned critical: a new message';
  return null;
}

/** Send as a new message, or edit the incident's message (the caller checked the channel can edit). */
export function planThread(m: Message, t: OutboxThread | undefined, now: number): ThreadPlan {
  if (!m.thread) return { how: 'send', why: 'not part of an incident' };
  if (!isOpen(t, now)) return { how: 'send', why: 'first message of the incident' };
  const why = wakes(m, t);
  if (why) return { how: 'send', why };
  return { how: 'edit', ref: t.ref!, message: folded(m, t, now) };
}

const hhmmss = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** The incident's message after this follow-up: its newest state first, then what it said before (newest first). */
export function folded(m: Message, t: OutboxThread, now: number): Message {
  const earlier = t.lines.slice(-SHOW_LINES).reverse();
  const more = t.lines.length - earlier.length;
  const { buttons: _own, ...rest } = m;
  // Resolved: the "Acknowledge" button no longer applies. Otherwise the follow-up's own buttons, else the incident's.
  const buttons = m.status === 'resolved' ? [] : m.buttons?.length ? m.buttons : t.buttons;
  return {
    ...rest,
    ...(buttons.length ? { buttons } : {}),
    body: [
      m.body,
      '',
      `Updated at ${hhmmss(now)} UTC; earlier in this incident (since ${hhmmss(t.openedAt)} UTC):`,
      ...earlier,
      ...(more > 0 ? [`… and ${more} earlier`] : []),
    ].join('\n'),
  };
}

/** The thread after a delivered message (`sent`: the message as queued; `ref`: what the provider answered). */
export function nextThread(
  channel: string,
  sent: Message,
  how: ThreadPlan['how'],
  t: OutboxThread | undefined,
  ref: string | undefined,
  now: number,
): OutboxThread | null {
  if (!sent.thread) return null;
  const line = `${hhmmss(now)} ${sent.title}`;
  const closedAt = sent.thread.closes ? now : null;
  if (!isOpen(t, now))
    return {
      channel,
      key: sent.thread.key,
      ref: ref ?? null,
      openedAt: now,
      updatedAt: now,
      closedAt,
      severity: sent.severity,
      lines: [line],
      buttons: sent.buttons ?? [],
      messages: 1,
      folded: 0,
    };
  return {
    ...t,
    ref: ref ?? t.ref,
    updatedAt: now,
    closedAt,
    severity: RANK[sent.severity] > RANK[t.severity] ? sent.severity : t.severity,
    lines: [...t.lines, line].slice(-KEEP_LINES),
    buttons: sent.buttons?.length ? sent.buttons : t.buttons,
    messages: t.messages + (how === 'send' ? 1 : 0),
    folded: t.folded + (how === 'edit' ? 1 : 0),
  };
}
