import type { Severity } from '../../../src-shared/constants';
import type { CoreContext } from '../context';
import { routerOf } from './registry';

const fingerprintOf = (what: string): string => `vigil:${what}`;

/**
 * R-ROUTE-1: no failure path is silent. A failing job, poller, probe or
 * channel becomes an event with source `vigil` (one fingerprint per
 * component, so repeats are counted, not re-sent). Never throws.
 */
export function reportFailure(ctx: CoreContext, what: string, err: unknown, severity: Severity = 'warning'): void {
  const message = err instanceof Error ? err.message : String(err);
  ctx.log.error({ err, what }, 'vigil component failed');
  const router = routerOf(ctx);
  if (!router) return;
  try {
    router.ingest(
      [
        {
          source: 'vigil',
          fingerprint: fingerprintOf(what),
          severity,
          status: 'firing',
          summary: `Vigil: ${what} failed: ${message}`.slice(0, 1000),
          description: err instanceof Error && err.stack ? err.stack.slice(0, 4000) : null,
          labels: { alertname: 'VigilComponentFailed', component: what },
          startsAt: null,
          endsAt: null,
        },
      ],
      `reportFailure(${what})`,
    );
  } catch (e) {
    ctx.log.error({ err: e, what }, 'could not record a vigil failure event');
  }
}

/** The component works again: resolve its failure event if one is firing. */
export function reportRecovery(ctx: CoreContext, what: string): void {
  const router = routerOf(ctx);
  const state = router?.states.get(fingerprintOf(what));
  if (!router || state?.status !== 'firing') return;
  try {
    router.ingest(
      [{ source: 'vigil', fingerprint: state.fingerprint, severity: state.severity, labels: state.labels, status: 'resolved', summary: `Vigil: ${what} works again`, description: null, startsAt: null, endsAt: null }],
      `reportRecovery(${what})`,
    );
  } catch (e) {
    ctx.log.error({ err: e, what }, 'could not record a vigil recovery event');
  }
}
