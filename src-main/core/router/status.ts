import type { StatusTile } from '../../../src-shared/api/system';
import type { CoreContext } from '../context';
import type { Router } from './router';

const INBOX_WARN_AGE = 60_000;

/** Overview tiles: alerts firing now, and whether the router's inbox keeps up. */
export function routerTiles(ctx: CoreContext, router: Router): () => StatusTile[] {
  return () => {
    const f = router.states.firing();
    const firing = f.critical + f.warning + f.info;
    const inbox = router.events.inbox();
    const age = inbox.oldest === null ? 0 : ctx.clock.now() - inbox.oldest;
    return [
      {
        id: 'alerts-firing',
        label: 'Alerts firing',
        status: f.critical ? 'critical' : f.warning ? 'warning' : 'ok',
        value: String(firing),
        reason: firing ? `${f.critical} critical, ${f.warning} warning, ${f.info} info` : 'nothing firing',
      },
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
