import type { RouteConfig } from '../../config';
import { labelsMatch } from '../mute-window';
import { matchLabels } from '../silence-matcher';
import { hold, trace, type Stage } from '../types';

/** A routing worked out: the routes matched (a bit each), the channels and the trace's words. */
interface Routing {
  routes: readonly RouteConfig[];
  mask: number;
  channels: string[];
  detail: string;
}
/**
 * The last routing: a storm's events match the same routes, so its channels (one array, frozen: the events share it)
 * and its trace text are made once, not a Set, arrays and three texts per event. A reloaded config is new routes.
 */
let last: Routing | null = null;

/** Which routes match (bit i: route i), in order, the first without `continue` ending it; -1 when one past the 30th does. */
function matched(routes: readonly RouteConfig[], labels: Readonly<Record<string, string>>): number {
  let mask = 0;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    if (!labelsMatch(r.match, labels)) continue;
    if (i >= 30) return -1;
    mask |= 1 << i;
    if (!r.continue) break;
  }
  return mask;
}

/** The routing itself: channels from the matching routes, each once, in order. */
function routing(routes: readonly RouteConfig[], labels: Readonly<Record<string, string>>, mask: number): Routing {
  const picked = new Set<string>();
  const which: number[] = [];
  for (const [i, r] of routes.entries()) {
    if (!labelsMatch(r.match, labels)) continue;
    r.channels.forEach((c) => picked.add(c));
    which.push(i);
    if (!r.continue) break;
  }
  const channels = Object.freeze([...picked]) as string[];
  return { routes, mask, channels, detail: `routes #${which.join(', #')} → ${channels.join(', ')}` };
}

/** Pick channels from config routes: in order, the first match wins unless it says continue. */
export const routeStage: Stage = {
  name: 'route',
  run(ev, d, sc) {
    const labels = matchLabels(ev);
    const routes = sc.config.routes;
    const mask = matched(routes, labels);
    let r = last;
    if (r === null || r.routes !== routes || r.mask !== mask || mask < 0) {
      r = routing(routes, labels, mask);
      if (mask >= 0) last = r;
    }
    d.channels = r.channels;
    if (!d.channels.length) return hold(d, sc.now, 'route', 'stored', 'no route matches this event: stored, not notified');
    trace(d, sc.now, 'route', 'pass', r.detail);
  },
};
