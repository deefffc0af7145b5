import type { Message, OutboxWriter } from '../../notify';
import type { EventRecord } from '../../store';
import { firstRouteOf } from '../noise/eligible';
import { groupKey, join, openGroup, refire, resolve, type Group } from '../noise/groups';
import type { BatchFirst, NoiseBook } from '../noise/book';
import { hostOf, type Member } from '../noise/members';
import { burstFirst, groupFirst, span } from '../noise/messages';
import { hold, trace, type Stage } from '../types';

/** A time of day as the trace shows it (HH:MM:SSZ); the last second's text is kept (a Date and ISO text per event cost a storm). */
let atSecond = NaN;
let atText = '';
export const at = (t: number | null): string => {
  if (t === null) return '?';
  const s = Math.floor(t / 1000);
  if (s !== atSecond) {
    atText = new Date(t).toISOString().slice(11, 19) + 'Z';
    atSecond = s;
  }
  return atText;
};
/** A group's name in the trace: its groupBy label values (module level: a closure per event is a storm's allocation). */
let named: Record<string, string> | null = null;
let namedText = '';
const name = (labels: Record<string, string>): string => {
  // A group's labels never change: a storm's events joining one group ask for the same name, made once.
  if (labels === named) return namedText;
  let out = '';
  for (const k in labels) out += `${out ? ',' : ''}${k}=${labels[k]}`;
  named = labels;
  return (namedText = out);
};
/** Whether any groupBy label is set (a loop: a closure per event costs in a storm). */
const hasAny = (labels: Record<string, string>, groupBy: string[]): boolean => {
  for (const l of groupBy) if (labels[l]) return true;
  return false;
};

/** A group's or burst's record of an alert; a burst member also keeps its channels (given here: spreading to add them costs µs). */
export const memberOf = (ev: EventRecord, now: number, channels?: string[]): Member => {
  const host = hostOf(ev.labels, ev.fingerprint);
  const firing = ev.status === 'firing';
  return channels
    ? { fp: ev.fingerprint, host, eventId: ev.id, severity: ev.severity, summary: ev.summary, firing, since: now, channels }
    : { fp: ev.fingerprint, host, eventId: ev.id, severity: ev.severity, summary: ev.summary, firing, since: now };
};

/**
 * A group opened in the batch being decided: its first message, queued at the batch's end (same transaction) so that it
 * names the alerts that arrived with the first one, as Alertmanager's one notification per group would. Without this a
 * webhook of 12 alerts of one group showed the on-call 1 host until the update a window later.
 */
class FirstMessage implements OutboxWriter, BatchFirst {
  readonly sends: [channel: string, message: Message, key: string][] = [];
  constructor(readonly group: Group) {}
  enqueue(channel: string, message: Message, key: string): void {
    this.sends.push([channel, message, key]);
  }
  /** Queue it, naming the alerts that joined in this batch (they no longer wait for the window's update). */
  queue(book: NoiseBook, outbox: OutboxWriter): void {
    const g = this.group;
    if (!this.sends.length) return; // the first alert queued nothing: nothing to name the others in
    let amended: ((m: Message) => Message) | null = null;
    if (book.groups.get(g.key) === g) {
      if (g.pending.length) {
        amended = (m) => groupFirst(g, m);
        g.pending = [];
        g.flushAt = null;
        book.saveGroup(g);
      }
    } else {
      // A fleet-wide burst took the group's alerts in this batch (a flap takes one alert): name the burst's so far.
      const first = this.sends[0]![1].fingerprint;
      const b = first ? book.bursts.get(book.burstOf.get(first) ?? '') : undefined;
      if (b && b.size > 1) amended = (m) => burstFirst(b, m);
    }
    let made: Message | null = null;
    for (const [channel, message, key] of this.sends) outbox.enqueue(channel, amended ? (made ??= amended(message)) : message, key);
  }
}

/**
 * R-NOISE-1: group notifications by the route's groupBy labels. The first
 * alert of a new group goes out at once (at the end of its batch, naming the
 * alerts of the group that came in the same batch); alerts joining later
 * within the group window are held here and sent as ONE update by the book's
 * timer; a member's resolution is held until the whole group has resolved,
 * which is one message. Runs for held events too (always) to keep
 * membership true.
 */
export const groupStage = (book: NoiseBook): Stage => ({
  name: 'group',
  always: true,
  endBatch(sc) {
    for (const key of [...book.firsts.keys()]) book.sendFirst(key, sc.outbox);
  },
  dropBatch() {
    book.firsts.clear();
  },
  run(ev, d, sc) {
    const fp = ev.fingerprint;
    if (book.isFlapping(fp) || book.burstOf.has(fp)) return; // the flap or burst rule speaks for it
    const window = sc.config.router.groupWindow;
    const g = book.groupFor(fp);
    if (ev.status === 'resolved') {
      if (!g) return;
      const r = resolve(g, fp, sc.now, window);
      book.saveGroup(g, [fp]);
      if (!d.notify) return;
      if (r === 'all')
        return hold(
          d,
          sc.now,
          'group',
          'grouped',
          `last firing alert of group ${name(g.labels)} resolved: one resolution message for the group at ${at(g.resolveAt)} unless one fires again`,
        );
      return hold(
        d,
        sc.now,
        'group',
        'grouped',
        `resolved; ${g.firing} alert(s) of group ${name(g.labels)} still firing — the group resolves in one message when all have`,
      );
    }
    if (!d.notify) {
      if (!g) return;
      const withdrawn = refire(g, fp, sc.now, window);
      if (withdrawn !== null) book.saveGroup(g, [fp]);
      if (withdrawn) trace(d, sc.now, 'group', 'pass', `fired again: the pending resolution of group ${name(g.labels)} is withdrawn`);
      return;
    }
    const route = firstRouteOf(sc.config.routes, ev);
    if (route < 0) return;
    const groupBy = sc.config.routes[route]!.groupBy;
    if (!hasAny(ev.labels, groupBy))
      return trace(d, sc.now, 'group', 'pass', `none of the groupBy labels (${groupBy.join(', ')}): not grouped`);
    const key = groupKey(route, groupBy, ev.labels, d.channels);
    const m = memberOf(ev, sc.now);
    const existing = book.groups.get(key);
    if (!existing) {
      const labels = Object.fromEntries(groupBy.map((l) => [l, ev.labels[l] ?? '']));
      const g = openGroup(key, labels, d.channels, m, sc.now);
      book.saveGroup(g, [fp]);
      const first = new FirstMessage(g);
      book.sendFirst(key, sc.outbox); // a group of this key opened earlier in the batch and is gone: its message first
      book.firsts.set(key, first);
      d.later = first;
      return trace(
        d,
        sc.now,
        'group',
        'pass',
        `first alert of group ${name(labels)}: notified at once; alerts joining within ${span(window)} are batched into one update`,
      );
    }
    const j = join(existing, m, sc.now, window);
    if (j.type !== 'known') book.saveGroup(existing, [fp]);
    if (j.type === 'known') return trace(d, sc.now, 'group', 'pass', `already a member of group ${name(existing.labels)}`);
    if (j.type === 'now')
      return trace(
        d,
        sc.now,
        'group',
        'pass',
        `joins group ${name(existing.labels)}, which sent nothing for ${span(window)}: notified at once`,
      );
    hold(
      d,
      sc.now,
      'group',
      'grouped',
      book.firsts.get(key)?.group === existing
        ? `joins group ${name(existing.labels)} (${existing.size} alerts), opened in this batch: named in its first message`
        : `joins group ${name(existing.labels)} (${existing.size} alerts): batched into one update at ${at(j.at)}`,
    );
    // The update will tell the humans; dedupe treats it as notified from now on.
    d.next.notifiedStatus = 'firing';
    d.next.notifiedAt = sc.now;
  },
});
