import { z } from 'zod';
import { Topic } from '../../../src-shared/api/topics';
import type { CoreContext } from '../context';
import { Name } from '../schema-parts';
import { channelPlugin, type Channel, type NoticeDisplay } from './plugin';

export const desktopConfig = z.object({ name: Name, type: z.literal('desktop') }).strict();

/**
 * Desktop: publishes the `notice` topic; the Electron shell shows a native
 * notification, the headless UI shows it in the page. While notifications
 * are paused the outbox holds these messages (they are not failures).
 * With a `display` (headless), a message is delivered only when a connected
 * console reports it shown; with none connected it stays pending.
 */
export function desktopChannel(ctx: CoreContext, name: string, pausedUntil: () => number | null, display?: NoticeDisplay): Channel {
  return {
    name,
    type: 'desktop',
    pausedUntil,
    // Publishing is instant and local: claim and settle many per transaction (one fsync per batch, not two per message).
    batch: 200,
    async send(m, key, signal) {
      const notice = {
        id: key,
        // Native notifications show a few lines; the console shows the whole event. Bounded pushes.
        title: m.title.slice(0, 256),
        body: m.body.length > 1000 ? `${m.body.slice(0, 1000)}…` : m.body,
        severity: m.severity,
        eventId: m.eventId,
        at: ctx.clock.now(),
      };
      if (display) return display.show(notice, signal);
      ctx.bus.publish(Topic.notice, notice);
      return { ok: true };
    },
  };
}

export const desktop = channelPlugin({
  type: 'desktop',
  config: desktopConfig,
  create: (ctx, cfg, deps) => desktopChannel(ctx, cfg.name, deps.pausedUntil, deps.display),
});
