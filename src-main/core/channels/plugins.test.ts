import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config';
import { testContext } from '../router/testing';
import { buildChannels, CHANNEL_PLUGINS, CHANNEL_TYPES } from './index';

const ONE_OF_EACH = [
  { name: 'desktop', type: 'desktop' },
  { name: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/h' },
  { name: 'tg', type: 'telegram', chatId: '-100', botToken: { secret: 'bot' } },
  { name: 'pd', type: 'pagerduty', routingKey: { secret: 'pd' } },
  { name: 'pager', type: 'oncall', team: 'ops', telegram: 'tg' },
];
const ONCALL = [{ team: 'ops', people: ['alice'], start: '2026-01-05T09:00:00Z' }];

describe('channels as one-file plug-ins', () => {
  it('R-ARCH-2: the config union and the list of types come from the one plug-in array', () => {
    expect(CHANNEL_TYPES).toEqual(CHANNEL_PLUGINS.map((p) => p.type));
    for (const p of CHANNEL_PLUGINS) expect(p.config.shape.type.value).toBe(p.type);
    const parsed = ConfigSchema.parse({ channels: ONE_OF_EACH, oncall: ONCALL });
    expect(parsed.channels.map((c) => c.type)).toEqual([...CHANNEL_TYPES]);
    const refused = ConfigSchema.safeParse({ channels: [{ name: 'chat', type: 'slack' }] });
    expect(refused.success).toBe(false);
  });

  it('R-ARCH-2: each entry is built by its own plug-in into a channel of that name and type', () => {
    const h = testContext({ yaml: `channels: ${JSON.stringify(ONE_OF_EACH)}\noncall: ${JSON.stringify(ONCALL)}` });
    try {
      const built = buildChannels(h.ctx, { pausedUntil: () => null });
      expect(built.map((c) => [c.name, c.type])).toEqual(ONE_OF_EACH.map((c) => [c.name, c.type]));
      // What each plug-in's factory decides shows on the channel: machines get no digests, the desktop batches.
      expect(built.map((c) => c.digests ?? true)).toEqual([true, false, true, false, false]);
      expect(built[0]!.batch).toBe(200);
    } finally {
      h.close();
    }
  });
});
