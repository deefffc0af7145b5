import { NEXT_IN_ROTATION, type Config } from '../config';
import type { CoreContext } from '../context';
import type { Addressee, Message } from '../message';
import { VigilError } from '../errors';
import { TEST_KEY_PREFIX, type OutboxWriter } from '../notify';
import { nextInRotation, onCallAt } from './schedule';
import { rotationsOf } from './rotations';

/** How an armed escalation step stores it: the route's oncall channel with this suffix (":" is not allowed in names). */
const NEXT_SUFFIX = ':next';

/**
 * An escalation step's targets as stored when its chain is armed: `next-in-rotation` becomes each of the
 * route's oncall channels asked for the next person ("oncall:next"); other names are kept.
 */
export function escalationTargets(config: Pick<Config, 'channels'>, routeChannels: readonly string[], step: readonly string[]): string[] {
  const oncall = routeChannels.filter((c) => config.channels.find((x) => x.name === c)?.type === 'oncall');
  return [...new Set(step.flatMap((c) => (c === NEXT_IN_ROTATION ? oncall.map((o) => o + NEXT_SUFFIX) : [c])))];
}

/** "oncall:next" → "oncall (next in rotation)" for people reading a step's targets. */
export const targetLabel = (t: string): string => (t.endsWith(NEXT_SUFFIX) ? `${t.slice(0, -NEXT_SUFFIX.length)} (next in rotation)` : t);

export interface OnCallDeliveryDeps {
  /** The person's Telegram user id, or null (people area). */
  telegramOf(person: string): string | null;
  /** Nobody on call: one `vigil` event per gap (router reports); resolved when someone is again. */
  failure(what: string, err: Error): void;
  recovery(what: string): void;
}

/**
 * The outbox writer every producer uses, with on-call targets resolved (issue 18.5): a message for an
 * `oncall` channel is addressed, on the core's clock, to the person the team's schedule has on call (or
 * the next one), and the row keeps who that was. With nobody on call the message is not queued there;
 * an event says so, and the route's other channels get it as always (never a silent drop).
 */
export function onCallWriter(
  ctx: Pick<CoreContext, 'config' | 'clock' | 'stores'>,
  inner: OutboxWriter,
  deps: OnCallDeliveryDeps,
): OutboxWriter {
  return {
    enqueue(channel, message, key) {
      const next = channel.endsWith(NEXT_SUFFIX);
      const name = next ? channel.slice(0, -NEXT_SUFFIX.length) : channel;
      const cfg = ctx.config.channels.find((c) => c.name === name);
      if (cfg?.type !== 'oncall') return inner.enqueue(channel, message, key);
      // A resolution goes to the people who were paged about it (R-ONCALL-5), not to whoever holds the pager by now:
      // the route's resolution to those paged as on call, the escalated one (":next") to those paged as next in rotation.
      // Never paged that way: resolved on the schedule as before.
      const as = next ? 'next in rotation' : 'on call';
      const paged = message.status === 'resolved' ? pagedAbout(ctx, name, message).filter((t) => t.as === as) : [];
      if (paged.length) {
        for (const to of paged)
          inner.enqueue(name, { ...message, to: { ...to, telegram: deps.telegramOf(to.person) } }, `${key}|${to.person}`);
        return;
      }
      const now = ctx.clock.now();
      const rotation = rotationsOf(ctx.config).find((r) => r.team === cfg.team);
      const onCall = rotation ? onCallAt(rotation, now) : null;
      const person = rotation && onCall ? (next ? nextInRotation(rotation, now) : onCall.person) : null;
      const what = `on-call schedule of team ${cfg.team}`;
      // "Send test notification" asks who would be paged now: nobody is an answer for the person testing, not an incident.
      if (!person && key.startsWith(TEST_KEY_PREFIX))
        throw new VigilError('conflict', `nobody is on call for team ${cfg.team} now (see the on-call schedule): the test was not sent`);
      // Reported after the caller's transaction (the report is itself an event through the router).
      if (!person) {
        const err = new Error(
          `nobody is on call for team ${cfg.team}: ${message.kind} "${message.title}" was not paged through ${name}; ` +
            `the route's other channels still get it`,
        );
        return queueMicrotask(() => deps.failure(what, err));
      }
      queueMicrotask(() => deps.recovery(what));
      const to: Addressee = { person, team: cfg.team, as, telegram: deps.telegramOf(person) };
      inner.enqueue(name, { ...message, to }, key);
    },
  };
}

/** Who was paged on this oncall channel about the alert (or the incident, for a group's resolution) a resolution ends. */
function pagedAbout(ctx: Pick<CoreContext, 'stores'>, channel: string, m: Message): Addressee[] {
  if (m.fingerprint !== null) return ctx.stores.outbox.pagedAbout(channel, { fingerprint: m.fingerprint });
  return m.thread ? ctx.stores.outbox.pagedAbout(channel, { thread: m.thread.key }) : [];
}
