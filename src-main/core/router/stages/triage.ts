import { trace, type Stage } from '../types';

/**
 * Hermes triage, synchronous and always available, so the first
 * notification never waits (R-ROUTE-5). An AI triager, if any, is started
 * after the decision is committed and answers as an update.
 */
export const triageStage: Stage = {
  name: 'triage',
  always: true,
  run(ev, d, sc) {
    if (!d.notify && d.result === 'deduped') return; // a counted repeat keeps the triage of its first event
    d.triage = sc.hermes(ev, sc.now);
    trace(d, sc.now, 'triage', 'pass', `hermes: ${d.triage.category} ${d.triage.priority}`);
  },
};
