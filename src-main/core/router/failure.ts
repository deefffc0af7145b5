import type { CoreContext, DecidingFailure } from '../context';
import { redactSecrets } from '../redact';

/** The next state after a failed attempt: `since` stays that of the first failure in a row. */
export function failedAgain(prev: DecidingFailure | null, err: unknown, now: number): DecidingFailure {
  const text = err instanceof Error ? err.message : String(err);
  const error = redactSecrets(text.split('\n')[0]!.trim()).slice(0, 300) || 'unknown error';
  return { since: prev?.since ?? now, error, attempts: (prev?.attempts ?? 0) + 1 };
}

export type FailureRun = ReturnType<typeof createFailureRun>;

/** Inline or on the decider thread: the last deciding attempt failed and nothing committed since (told to the main thread). */
export function createFailureRun(ctx: CoreContext) {
  let failure: DecidingFailure | null = null;
  return {
    current: (): DecidingFailure | null => failure,
    failed(e: unknown): void {
      failure = failedAgain(failure, e, ctx.clock.now());
      ctx.toMain?.failing(failure);
    },
    /** A deciding commit went through: no longer failing. */
    cleared(): void {
      if (!failure) return;
      failure = null;
      ctx.toMain?.failing(null);
    },
  };
}
