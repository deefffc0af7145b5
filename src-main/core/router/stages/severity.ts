import { hold, trace, type Stage } from '../types';

/** R-NOISE-4: info is stored, not notified, unless router.notifyInfo. */
export const severityStage: Stage = {
  name: 'severity',
  run(ev, d, sc) {
    if (ev.severity !== 'info' || sc.config.router.notifyInfo) return trace(d, sc.now, 'severity', 'pass', `${ev.severity}`);
    hold(d, sc.now, 'severity', 'stored', 'info severity is stored, not notified (router.notifyInfo is off)');
  },
};
