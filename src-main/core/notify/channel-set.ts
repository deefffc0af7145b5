import type { CoreContext } from '../context';
import { buildChannels, type Channel, type ChannelDeps } from '../channels';

/**
 * The channels of the config in force. On reload an unchanged entry keeps its Channel (so its worker keeps its
 * backoff state); a changed or new one is built again.
 */
export function channelSet(ctx: CoreContext, deps: ChannelDeps) {
  let built = buildChannels(ctx, deps);
  let configs = ctx.config.channels.map((c) => JSON.stringify(c));
  return {
    current: (): Channel[] => built,
    /** After ctx.config changed: the new list. */
    rebuild(): Channel[] {
      const fresh = buildChannels(ctx, deps);
      const nextConfigs = ctx.config.channels.map((c) => JSON.stringify(c));
      const reuse = new Map(built.map((ch, i) => [configs[i], ch]));
      built = fresh.map((ch, i) => reuse.get(nextConfigs[i]!) ?? ch);
      configs = nextConfigs;
      return built;
    },
  };
}
