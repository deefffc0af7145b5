import { matchLabels } from '../silence-matcher';
import { hold, trace, type Stage } from '../types';

/** R-ROUTE-4: an event matched by an active silence is stored and shown, not notified. */
export const silenceStage: Stage = {
  name: 'silence',
  run(ev, d, sc) {
    const s = sc.silences.find(matchLabels(ev), sc.now);
    if (!s) return trace(d, sc.now, 'silence', 'pass', 'no active silence matches');
    hold(
      d,
      sc.now,
      'silence',
      'silenced',
      `silenced by ${s.id} (${s.createdBy}: "${s.comment}") until ${new Date(s.endsAt).toISOString()}`,
    );
  },
};
