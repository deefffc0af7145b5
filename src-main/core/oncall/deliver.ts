import { NEXT_IN_ROTATION, type Config } from '../config';
import type { CoreContext } from '../context';
import type { Addressee } from '../message';
import type { OutboxWriter } from '../notify';
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
export function onCallWriter(ctx: Pick<CoreContext, 'config' | 'clock'>, inner: OutboxWriter, deps: OnCallDeliveryDeps): OutboxWriter {
  return {
    enqueue(channel, message, key) {
      const next = channel.endsWith(NEXT_SUFFIX);
      const name = next ? channel.slice(0, -NEXT_SUFFIX.length) : channel;
      const cfg = ctx.config.channels.find((c) => c.name === name);
      if (cfg?.type !== 'oncall') return inner.enqueue(channel, message, key);
      const now = ctx.clock.now();
      const rotation = rotationsOf(ctx.config).find((r) => r.team === cfg.team);
      const onCall = rotation ? onCallAt(rotation, now) : null;
      const person = rotation && onCall ? (next ? nextInRotation(rotation, now) : onCall.person) : null;
      const what = `on-call schedule of team ${cfg.team}`;
      // Reported after the caller's transaction (the report is itself an event through the router).
      if (!person) {
        const err = new Error(
          `nobody is on call for team ${cfg.team}: ${message.kind} "${message.title}" was not paged through ${name}; ` +
            `the route's other channels still get it`,
        );
        return queueMicrotask(() => deps.failure(what, err));
      }
      queueMicrotask(() => deps.recovery(what));
      const to: Addressee = { person, team: cfg.team, as: next ? 'next in rotation' : 'on call', telegram: deps.telegramOf(person) };
      inner.enqueue(name, { ...message, to }, key);
    },
  };
}
