import type { TriageResult } from '../../../../src-shared/domain';
import type { Clock } from '../../clock';
import type { TriageSubject } from './hermes';

/**
 * The plug-in point for AI triage (NemoTron). The router starts it after
 * the first notification is committed; it never delays that notification.
 * Throw an error with a `reason` (one of vigil_agent_fallback_total's
 * reasons: no_key, rate_limited, timeout, network, http_error,
 * no_tool_calls, invalid_output) to say why Hermes stands.
 */
export interface Triager {
  readonly agent: 'nemotron';
  triage(ev: TriageSubject & { id: string; description: string | null }, signal: AbortSignal): Promise<TriageResult>;
}

export type TimeboxOutcome =
  { kind: 'result'; result: TriageResult; late: boolean } | { kind: 'timeout' } | { kind: 'failed'; reason: string; error: string };

export const fallbackReason = (err: unknown): string => {
  const r = (err as { reason?: unknown } | null)?.reason;
  return typeof r === 'string' && r ? r : 'network';
};

/**
 * Run a triager with a time box. `report` is called with 'timeout' when the
 * box closes without an answer, and again with the result if one still
 * arrives before `hardLimitMs` (then aborted). Never throws.
 */
export function timeboxed(
  t: Triager,
  ev: Parameters<Triager['triage']>[0],
  clock: Clock,
  timeoutMs: number,
  hardLimitMs: number,
  report: (o: TimeboxOutcome) => void,
): Promise<void> {
  const ac = new AbortController();
  let timedOut = false;
  const box = clock.setTimeout(() => {
    timedOut = true;
    report({ kind: 'timeout' });
  }, timeoutMs);
  const hard = clock.setTimeout(() => ac.abort(new Error('triage hard limit reached')), Math.max(hardLimitMs, timeoutMs));
  return t.triage(ev, ac.signal).then(
    (result) => {
      box.cancel();
      hard.cancel();
      report({ kind: 'result', result, late: timedOut });
    },
    (err: unknown) => {
      box.cancel();
      hard.cancel();
      if (!timedOut) report({ kind: 'failed', reason: fallbackReason(err), error: (err as Error)?.message ?? String(err) });
    },
  );
}
