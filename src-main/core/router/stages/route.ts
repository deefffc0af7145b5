import { labelsMatch } from '../mute-window';
import { matchLabels } from '../silence-matcher';
import { hold, trace, type Stage } from '../types';

/** Pick channels from config routes: in order, the first match wins unless it says continue. */
export const routeStage: Stage = {
  name: 'route',
  run(ev, d, sc) {
    const labels = matchLabels(ev);
    const picked = new Set<string>();
    const which: number[] = [];
    for (const [i, r] of sc.config.routes.entries()) {
      if (!labelsMatch(r.match, labels)) continue;
      r.channels.forEach((c) => picked.add(c));
      which.push(i);
      if (!r.continue) break;
    }
    d.channels = [...picked];
    if (!d.channels.length) return hold(d, sc.now, 'route', 'stored', 'no route matches this event: stored, not notified');
    trace(d, sc.now, 'route', 'pass', `routes #${which.join(', #')} → ${d.channels.join(', ')}`);
  },
};
