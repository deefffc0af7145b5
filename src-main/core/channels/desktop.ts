import { z } from 'zod';
import { Topic, type DesktopNotice } from '../../../src-shared/api/topics';
import type { CoreContext } from '../context';
import type { Message } from '../message';
import { Name } from '../schema-parts';
import { channelPlugin, type Channel, type NoticeDisplay, type SendResult } from './plugin';

export const desktopConfig = z.object({ name: Name, type: z.literal('desktop') }).strict();

/**
 * The desktop notice for a message. `tag`: its incident thread (a notice with the same tag replaces the shown one),
 * `update`: a quiet follow-up, `to`: only that person's consoles show it (an on-call page).
 */
export function noticeOf(
  ctx: CoreContext,
  m: Message,
  key: string,
  o: { tag?: string; update?: boolean; to?: string } = {},
): DesktopNotice {
  return {
    id: key,
    // Native notifications show a few lines; the console shows the whole event. Bounded pushes.
    title: m.title.slice(0, 256),
    body: m.body.length > 1000 ? `${m.body.slice(0, 1000)}…` : m.body,
    severity: m.severity,
    eventId: m.eventId,
    at: ctx.clock.now(),
    ...(o.tag === undefined ? {} : { tag: o.tag }),
    ...(o.update ? { update: true } : {}),
    ...(o.to === undefined ? {} : { to: o.to }),
  };
}

/**
 * Desktop: publishes the `notice` topic; the Electron shell shows a native
 * notification, the headless UI shows it in the page. While notifications
 * are paused the outbox holds these messages (they are not failures).
 * With a `display` (headless), a message is delivered only when a connected
 * console reports it shown; with none connected it stays pending.
 */
export function desktopChannel(ctx: CoreContext, name: string, pausedUntil: () => number | null, display?: NoticeDisplay): Channel {
  const publish = async (m: Message, key: string, tag: string | undefined, update: boolean, signal: AbortSignal): Promise<SendResult> => {
    const notice = noticeOf(ctx, m, key, { tag, update });
    const shown = display ? await display.show(notice, signal) : (ctx.bus.publish(Topic.notice, notice), { ok: true as const });
    return shown.ok && tag !== undefined ? { ok: true, ref: tag } : shown;
  };
  return {
    name,
    type: 'desktop',
    pausedUntil,
    // Publishing is instant and local: claim and settle many per transaction (one fsync per batch, not two per message).
    batch: 200,
    send: (m, key, signal) => publish(m, key, m.thread?.key, false, signal),
    // A follow-up replaces its incident's notice (same tag) quietly instead of stacking a new one (R-NOTIFY-8).
    edit: (m, ref, key, signal) => publish(m, key, ref, true, signal),
  };
}

export const desktop = channelPlugin({
  type: 'desktop',
  config: desktopConfig,
  create: (ctx, cfg, deps) => desktopChannel(ctx, cfg.name, deps.pausedUntil, deps.display),
});
