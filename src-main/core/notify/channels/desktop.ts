import type { CoreContext } from '../../app';
import type { Channel } from '../types';

/**
 * Desktop: publishes the `notice` topic; the Electron shell shows a native
 * notification, the headless UI shows it in the page. While notifications
 * are paused the outbox holds these messages (they are not failures).
 */
export function desktopChannel(ctx: CoreContext, name: string, pausedUntil: () => number | null): Channel {
  return {
    name,
    type: 'desktop',
    pausedUntil,
    async send(m, key) {
      ctx.bus.publish('notice', { id: key, title: m.title, body: m.body, severity: m.severity, eventId: m.eventId, at: ctx.clock.now() });
      return { ok: true };
    },
  };
}
