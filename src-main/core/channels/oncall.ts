import { z } from 'zod';
import { Topic } from '../../../src-shared/api/topics';
import type { CoreContext } from '../context';
import type { Addressee } from '../message';
import { Name } from '../schema-parts';
import { noticeOf } from './desktop';
import { channelPlugin, type Channel, type SendResult } from './plugin';
import { telegramChannel } from './telegram';

export const oncallConfig = z
  .object({
    name: Name,
    type: z.literal('oncall'),
    team: Name.describe('the `oncall:` team whose schedule picks the person paged when a message is queued'),
    telegram: Name.optional().describe("a telegram channel whose bot writes to the person's own chat (their `telegram:` user id)"),
    desktop: z.boolean().default(true).describe("also show the page on that person's desktop only (filtered by their own severities)"),
  })
  .strict();
type OnCallConfig = z.infer<typeof oncallConfig>;

/** How a page addressed to `to` travels on this channel: "telegram (tg) and desktop", for people reading a test's result. */
export function pagedVia(cfg: Pick<OnCallConfig, 'telegram' | 'desktop'>, to: Addressee): string {
  const via = [cfg.telegram !== undefined && to.telegram !== null ? `telegram (${cfg.telegram})` : '', cfg.desktop ? 'desktop' : ''];
  return via.filter(Boolean).join(' and ') || 'nothing (no Telegram id, desktop: false)';
}

/**
 * The person on call (issue 18.5). Which person is decided when the message is
 * queued (oncall area, from the schedule on the core's clock) and travels on the
 * row as `message.to`, so a retry after a handoff still goes to whoever was paged
 * and the console can show who that was. This channel only delivers it: their
 * private Telegram chat through the named bot, and a desktop notice addressed to them.
 */
export function oncallChannel(ctx: CoreContext, cfg: OnCallConfig): Channel {
  return {
    name: cfg.name,
    type: 'oncall',
    // Each row is addressed to one person (perhaps different ones): never folded into one digest without an addressee.
    digests: false,
    async send(m, key, signal): Promise<SendResult> {
      const to = m.to;
      if (!to) return { ok: false, retryable: false, error: `not addressed to anyone (no on-call person was resolved for ${cfg.team})` };
      const viaTelegram = cfg.telegram !== undefined && to.telegram !== null;
      if (!cfg.desktop && !viaTelegram)
        return { ok: false, retryable: false, error: `${to.person} has no Telegram id and channel ${cfg.name} has desktop: false` };
      // The notice id is the outbox key: a retry after a Telegram failure shows the same notice again, not a new one.
      // Best effort beside Telegram: a console of theirs that is open shows it (not waited for, unlike the desktop channel).
      if (cfg.desktop) ctx.bus.publish(Topic.notice, noticeOf(ctx, m, key, { to: to.person }));
      if (!viaTelegram) return { ok: true };
      const bot = ctx.config.channels.find((c) => c.name === cfg.telegram);
      if (bot?.type !== 'telegram') return { ok: false, retryable: false, error: `channel ${cfg.telegram} is not a telegram channel` };
      // A private chat's id is the user's id: the same bot and API, another chat.
      return telegramChannel(ctx, { ...bot, chatId: to.telegram! }).send(m, key, signal);
    },
  };
}

export const oncall = channelPlugin({ type: 'oncall', config: oncallConfig, create: (ctx, cfg) => oncallChannel(ctx, cfg) });
