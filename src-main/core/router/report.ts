import type { Severity } from '../../../src-shared/constants';
import type { Logger } from '../log';
import type { Router } from './router';
import { redactSecrets } from '../redact';

const fingerprintOf = (what: string): string => `vigil:${what}`;

/** The port through which any area turns its own failure into a `vigil` event (built once by the router area). */
export interface FailureReports {
  /** R-ROUTE-1: no failure path is silent. Never throws. */
  failure(what: string, err: unknown, severity?: Severity): void;
  /** The component works again: resolve its failure event if one is firing. Never throws. */
  recovery(what: string): void;
}

/**
 * R-ROUTE-1: no failure path is silent. A failing job, poller, probe or
 * channel becomes an event with source `vigil` (one fingerprint per
 * component, so repeats are counted, not re-sent).
 */
export function failureReports(log: Logger, router: Pick<Router, 'ingest' | 'states'>): FailureReports {
  // Failures reported but maybe not decided yet (intake is decided after its durable append): a recovery
  // that follows at once must still resolve them, though the alert state does not say firing yet.
  const reported = new Map<string, Severity>();
  return {
    failure(what, err, severity = 'warning') {
      reported.set(fingerprintOf(what), severity);
      const message = redactSecrets(err instanceof Error ? err.message : String(err));
      log.error({ err, what }, 'vigil component failed');
      try {
        router.ingest(
          [
            {
              source: 'vigil',
              fingerprint: fingerprintOf(what),
              severity,
              status: 'firing',
              summary: `Vigil: ${what} failed: ${message}`.slice(0, 1000),
              // The stack (absolute paths) goes to the log above, not into an event the API serves (R-SEC-10).
              description: message.slice(0, 4000),
              labels: { alertname: 'VigilComponentFailed', component: what },
              startsAt: null,
              endsAt: null,
            },
          ],
          `reportFailure(${what})`,
        );
      } catch (e) {
        log.error({ err: e, what }, 'could not record a vigil failure event');
      }
    },
    recovery(what) {
      const fingerprint = fingerprintOf(what);
      const state = router.states.get(fingerprint);
      const pending = reported.get(fingerprint);
      reported.delete(fingerprint);
      if (state?.status !== 'firing' && !pending) return;
      try {
        router.ingest(
          [
            {
              source: 'vigil',
              fingerprint,
              severity: state?.severity ?? pending!,
              labels: state?.labels ?? { alertname: 'VigilComponentFailed', component: what },
              status: 'resolved',
              summary: `Vigil: ${what} works again`,
              description: null,
              startsAt: null,
              endsAt: null,
            },
          ],
          `reportRecovery(${what})`,
        );
      } catch (e) {
        log.error({ err: e, what }, 'could not record a vigil recovery event');
      }
    },
  };
}
