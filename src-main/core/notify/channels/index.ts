import type { CoreContext } from '../../context';
import type { Channel } from '../types';
import { desktopChannel } from './desktop';
import { pagerDutyChannel } from './pagerduty';
import { telegramChannel } from './telegram';
import { webhookChannel } from './webhook';

export interface ChannelDeps {
  /** Desktop notifications paused until (ms), or null. */
  pausedUntil: () => number | null;
}

/** One Channel per config.channels entry (Uptime Kuma's provider shape: one file per type). */
export function buildChannels(ctx: CoreContext, deps: ChannelDeps): Channel[] {
  return ctx.config.channels.map((c): Channel => {
    switch (c.type) {
      case 'desktop':
        return desktopChannel(ctx, c.name, deps.pausedUntil);
      case 'telegram':
        return telegramChannel(ctx, c);
      case 'webhook':
        return webhookChannel(ctx, c);
      case 'pagerduty':
        return pagerDutyChannel(ctx, c);
    }
  });
}
