import type { StatusTile } from '../../../src-shared/api/system';
import type { CoreContext } from '../context';
import type { Router } from './router';
import { utcText } from '../duration';

const INBOX_WARN_AGE = 60_000;

/**
 * Overview tiles: alerts firing now, and whether the router's inbox keeps up — critical while intake is not being
 * decided at all (the deciding pass fails, or the decider thread is down), saying since when, why and what waits.
 */
export function routerTiles(ctx: CoreContext, router: Router): () => StatusTile[] {
  return () => {
    const f = router.states.firing();
    const firing = f.critical + f.warning + f.info;
    const inbox = router.inbox();
    const age = inbox.oldest === null ? 0 : ctx.clock.now() - inbox.oldest;
    const failing = router.failing();
    const where = router.decidesOn === 'worker' ? 'on the decider thread' : 'on the main thread';
    if (failing)
      return [
        firingTile(f, firing),
        {
          id: 'router-inbox',
          label: 'Router inbox',
          status: 'critical',
          value: String(inbox.count),
          reason:
            `intake is not being decided ${where} since ${utcText(failing.since)} (${failing.attempts} failed ` +
            `${failing.attempts === 1 ? 'try' : 'tries'}): ${failing.error}; ${inbox.count} acknowledged ` +
            `${inbox.count === 1 ? 'event waits' : 'events wait'} in the inbox` +
            (inbox.oldest === null ? '' : `, oldest ${Math.round(age / 1000)} s`),
        },
      ];
    return [
      firingTile(f, firing),
      {
        id: 'router-inbox',
        label: 'Router inbox',
        status: age > INBOX_WARN_AGE * 5 ? 'critical' : age > INBOX_WARN_AGE ? 'warning' : 'ok',
        value: String(inbox.count),
        reason:
          (inbox.count
            ? `${inbox.count} events waiting, oldest ${Math.round(age / 1000)} s`
            : 'empty: every acknowledged event is processed') + (router.decidesOn === 'worker' ? '; decided on the decider thread' : ''),
      },
    ];
  };
}

function firingTile(f: { critical: number; warning: number; info: number }, firing: number): StatusTile {
  return {
    id: 'alerts-firing',
    label: 'Alerts firing',
    status: f.critical ? 'critical' : f.warning ? 'warning' : 'ok',
    value: String(firing),
    reason: firing ? `${f.critical} critical, ${f.warning} warning, ${f.info} info` : 'nothing firing',
  };
}
