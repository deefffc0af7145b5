import type { Handlers } from '../../../src-shared/api';
import type { Alert, AlertQuery } from '../../../src-shared/api/alerts';
import type { Matcher } from '../../../src-shared/api/events';
import { parseMatchers } from '../../../src-shared/matchers';
import type { CoreContext } from '../context';
import { VigilError } from '../errors';
import { compileRegex, type Router } from '../router';
import { byUrgency, filterAlerts, groupAlerts, judge, toAlert, type AlertFilter } from './model';
import { answerCache, nextChange } from './cache';

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
 * escalations, silences and mute windows; an answer is reused only while
 * none of those (nor the time) can have changed it (cache.ts).
 */
export function wireAlerts(ctx: CoreContext, deps: { router: Router }) {
  const store = ctx.stores.alerts;
  const cache = answerCache(
    store.version,
    () => ctx.config,
    () => ctx.clock.now(),
  );
  /** The filtered alerts and until when they hold (cache.ts); a bad filter throws before anything is read. */
  const build = (q: Parameters<AlertHandlers['alerts.list']>[0]) => {
    const f = toFilter(q);
    const now = ctx.clock.now();
    const silences = deps.router.silenceStore.current(now);
    const j = judge(now, silences, ctx.config);
    const rows = store.list(q.includeResolved ? now - RESOLVED_WINDOW : null);
    const alerts = filterAlerts(
      rows.map((r) => toAlert(r, j)),
      f,
    );
    return { alerts, validUntil: nextChange(now, rows, silences, ctx.config, q.includeResolved ? RESOLVED_WINDOW : null) };
  };
  // Answers are shared between callers while they hold: never mutate one.
  const cached = <T>(kind: string, q: Parameters<AlertHandlers['alerts.list']>[0], answer: (alerts: Alert[]) => T): T =>
    cache.get(`${kind}${JSON.stringify(q)}`, () => {
      const b = build(q);
      return { value: answer(b.alerts), validUntil: b.validUntil };
    });
  const handlers: AlertHandlers = {
    'alerts.list': (q) => cached('list', q, (alerts) => alerts.sort(byUrgency)),
    'alerts.groups': (q) => cached('groups', q, (alerts) => groupAlerts(alerts, ctx.config.routes)),
    'alerts.receivers': () => ctx.config.channels.map((c) => ({ name: c.name })),
    'alerts.summary': () =>
      cached('summary', { filter: [], active: true, silenced: true, inhibited: true, unprocessed: true, includeResolved: false }, (all) => {
        const waiting = all.filter((a) => !a.vigil.ack && a.status.state === 'active');
        const critical = waiting.filter((a) => a.vigil.severity === 'critical').sort(byUrgency);
        return {
          firing: all.length,
          unacknowledged: waiting.length,
          criticalUnacknowledged: critical.length,
          critical: critical.slice(0, 20).map((a) => ({ fingerprint: a.fingerprint, summary: a.vigil.summary, startsAt: a.startsAt })),
        };
      }),
  };
  return { handlers, store };
}
