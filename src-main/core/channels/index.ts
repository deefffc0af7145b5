// The channels area as the rest of Vigil sees it: import it through this file only (lint-enforced).
import { z } from 'zod';
import type { CoreContext } from '../context';
import { desktop } from './desktop';
import { oncall } from './oncall';
import { pagerduty } from './pagerduty';
import type { Channel, ChannelDeps, ChannelPlugin } from './plugin';
import { telegram } from './telegram';
import { webhook } from './webhook';

/**
 * Every channel type Vigil can send through, one file each. Adding a type is
 * one file and one entry here: the vigil.yaml union (ChannelConfig) and the
 * list of types derive from this array.
 */
export const CHANNEL_PLUGINS = [desktop, webhook, telegram, pagerduty, oncall] as const;

type Plugins = typeof CHANNEL_PLUGINS;
// A mapped type over a type parameter keeps the tuple: [desktop's schema, webhook's, …].
type SchemasOf<P extends readonly unknown[]> = { -readonly [K in keyof P]: P[K] extends { config: infer S } ? S : never };
type Schemas = SchemasOf<Plugins>;

/** A `channels:` entry of vigil.yaml: one of the plug-ins' schemas, told apart by `type`. */
export const ChannelConfig = z.discriminatedUnion('type', CHANNEL_PLUGINS.map((p) => p.config) as unknown as Schemas);
export type ChannelConfig = z.infer<typeof ChannelConfig>;
export type ChannelType = ChannelConfig['type'];
export const CHANNEL_TYPES: readonly ChannelType[] = CHANNEL_PLUGINS.map((p) => p.type);

const byType = new Map<string, ChannelPlugin>(CHANNEL_PLUGINS.map((p) => [p.type, p as unknown as ChannelPlugin]));

/** One Channel per config.channels entry, each built by its type's plug-in. */
export function buildChannels(ctx: CoreContext, deps: ChannelDeps): Channel[] {
  // The union was parsed by the same plug-ins' schemas, so each entry fits its plug-in's factory.
  return ctx.config.channels.map((c) => byType.get(c.type)!.create(ctx, c, deps));
}

export { pagedVia } from './oncall';
export { dedupKeyOf } from './pagerduty';
export { channelPlugin, type Channel, type ChannelDeps, type ChannelPlugin, type NoticeDisplay, type SendResult } from './plugin';
