import { labelsMatch, muteActive } from '../mute-window';
import { matchLabels } from '../silence-matcher';
import { hold, trace, type Stage } from '../types';

/** R-ROUTE-4: recurring mute windows from the config (weekdays + time range + time zone). */
export const muteStage: Stage = {
  name: 'mute',
  run(ev, d, sc) {
    const labels = matchLabels(ev);
    const w = sc.config.mutes.find((m) => labelsMatch(m.match, labels) && muteActive(m, sc.now));
    if (!w) return trace(d, sc.now, 'mute', 'pass', 'no mute window open');
    hold(d, sc.now, 'mute', 'muted', `mute window "${w.name}" is open (${w.weekdays.join(',')} ${w.start}–${w.end} ${w.timeZone})`);
  },
};
