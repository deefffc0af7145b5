import { matchLabels } from '../silence-matcher';
import { hold, trace, type Stage } from '../types';

/**
 * R-ROUTE-4: an event matched by an active silence is stored and shown, not
 * notified. It runs even after dedupe held a repeat (R-ALERT-3): a re-sent
 * alert under a silence is recorded as silenced, not merely deduped.
 */
export const silenceStage: Stage = {
  name: 'silence',
  always: true,
  run(ev, d, sc) {
    const s = sc.silences.find(matchLabels(ev), sc.now);
    if (!s) return d.notify ? trace(d, sc.now, 'silence', 'pass', 'no active silence matches') : undefined;
    hold(
      d,
      sc.now,
      'silence',
      'silenced',
      `silenced by ${s.id} (${s.createdBy}: "${s.comment}") until ${new Date(s.endsAt).toISOString()}`,
    );
  },
};
