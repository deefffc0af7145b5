import type { Handlers } from '../../../src-shared/api';
import type { AlertQuery } from '../../../src-shared/api/alerts';
import type { Matcher } from '../../../src-shared/api/events';
import { parseMatchers } from '../../../src-shared/matchers';
import type { CoreContext } from '../context';
import { VigilError } from '../errors';
import { compileRegex, type Router } from '../router';
import { byUrgency, filterAlerts, groupAlerts, judge, toAlert, type AlertFilter } from './model';

type AlertHandlers = Pick<Handlers, 'alerts.list' | 'alerts.groups' | 'alerts.receivers' | 'alerts.summary'>;

/** Resolved alerts the console still shows (includeResolved). */
const RESOLVED_WINDOW = 24 * 3_600_000;

/** Typed matchers and flags → a filter; a bad matcher or regex is a 400 naming it and nothing else happens. */
function toFilter(q: Required<Omit<AlertQuery, 'receiver'>> & { receiver?: string }): AlertFilter {
  const matchers: Matcher[] = [];
  q.filter.forEach((text, i) => {
    const p = parseMatchers(text);
    if (!p.ok) throw new VigilError('bad_request', `filter.${i}: ${p.message}`);
    matchers.push(...p.matchers);
  });
  let receiver: ReturnType<typeof compileRegex> | null = null;
  try {
    // compileMatchers tolerates a bad stored pattern (it matches nothing); a typed one is refused here instead.
    for (const m of matchers) if (m.op === '=~' || m.op === '!~') compileRegex(m.value);
    if (q.receiver !== undefined) receiver = compileRegex(q.receiver);
  } catch (e) {
    throw new VigilError('bad_request', `filter: not a valid regular expression (${(e as Error).message})`);
  }
  return { matchers, active: q.active, silenced: q.silenced, inhibited: q.inhibited, receiver, includeResolved: q.includeResolved };
}

/**
 * The alert model (R-ALERT-1) read side: alerts and groups in Alertmanager
 * API v2's shape for the console and for `vigil serve`'s /api/v2 routes.
 * Every state is derived on read from the router's alert state, acks,
 * escalations, silences and mute windows: nothing here can go stale.
 */
export function wireAlerts(ctx: CoreContext, deps: { router: Router }) {
  const store = ctx.stores.alerts;
  const list = (q: Parameters<AlertHandlers['alerts.list']>[0]) => {
    const f = toFilter(q);
    const now = ctx.clock.now();
    const j = judge(now, deps.router.silenceStore.current(now), ctx.config);
    const rows = store.list(q.includeResolved ? now - RESOLVED_WINDOW : null);
    return filterAlerts(
      rows.map((r) => toAlert(r, j)),
      f,
    );
  };
  const handlers: AlertHandlers = {
    'alerts.list': (q) => list(q).sort(byUrgency),
    'alerts.groups': (q) => groupAlerts(list(q), ctx.config.routes),
    'alerts.receivers': () => ctx.config.channels.map((c) => ({ name: c.name })),
    'alerts.summary': () => {
      const all = list({ filter: [], active: true, silenced: true, inhibited: true, unprocessed: true, includeResolved: false });
      const waiting = all.filter((a) => !a.vigil.ack && a.status.state === 'active');
      const critical = waiting.filter((a) => a.vigil.severity === 'critical').sort(byUrgency);
      return {
        firing: all.length,
        unacknowledged: waiting.length,
        criticalUnacknowledged: critical.length,
        critical: critical.slice(0, 20).map((a) => ({ fingerprint: a.fingerprint, summary: a.vigil.summary, startsAt: a.startsAt })),
      };
    },
  };
  return { handlers, store };
}
