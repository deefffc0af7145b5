import { timingSafeEqual } from 'node:crypto';
import type { Config, SecretStore } from '../config';

/** Constant-time comparison of a presented secret with the expected one. */
export function sameSecret(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type MetricsVerdict = { ok: true } | { ok: false; status: 401 | 503; code: 'unauthorized' | 'unavailable'; message: string };

/**
 * Who may read /metrics, decided in one place for both shells (R-SEC-7):
 * open when no `metrics.token` is configured; with one, only its bearer;
 * and when the token names a secret that is not set, nobody (fail closed:
 * a missing secret must not turn a protected endpoint into an open one).
 * Decided per request, so setting the secret later takes effect at once.
 */
export function checkMetricsAccess(
  cfg: Pick<Config, 'metrics'>,
  secrets: Pick<SecretStore, 'get'>,
  authorization: string | undefined,
): MetricsVerdict {
  const ref = cfg.metrics.token;
  if (!ref) return { ok: true };
  const secret = secrets.get(ref.secret);
  if (!secret)
    return {
      ok: false,
      status: 503,
      code: 'unavailable',
      message: `metrics.token names secret "${ref.secret}", which is not set; /metrics stays closed until it is`,
    };
  const presented = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  return sameSecret(presented, secret)
    ? { ok: true }
    : { ok: false, status: 401, code: 'unauthorized', message: 'metrics need a bearer token' };
}
