import { timingSafeEqual } from 'node:crypto';
import { fail, httpStatusFor, type ApiError } from '../../../src-shared/result';
import type { Config, SecretStore } from '../config';
import type { Metrics } from './registry';

/** Constant-time comparison of a presented secret with the expected one. */
export function sameSecret(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type MetricsVerdict = { ok: true } | { ok: false; error: ApiError & { code: 'unauthorized' | 'unavailable' } };

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
      error: {
        code: 'unavailable',
        message: `metrics.token names secret "${ref.secret}", which is not set; /metrics stays closed until it is`,
      },
    };
  const presented = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  return sameSecret(presented, secret)
    ? { ok: true }
    : { ok: false, error: { code: 'unauthorized', message: 'metrics need a bearer token' } };
}

export interface MetricsAnswer {
  status: number;
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** An HTTP error as every Vigil server sends it: the RPC envelope `{ ok: false, error }` with the code's status. */
export function errorAnswer(error: ApiError): MetricsAnswer {
  return { status: httpStatusFor(error.code), contentType: JSON_TYPE, body: JSON.stringify(fail(error.code, error.message)) };
}

/**
 * The answer to GET /metrics, the same in both shells (headless route and the
 * desktop metrics port): the exposition, or the error envelope.
 */
export async function answerMetrics(
  ctx: { config: Pick<Config, 'metrics'>; secrets: Pick<SecretStore, 'get'>; metrics: Metrics },
  authorization: string | undefined,
): Promise<MetricsAnswer> {
  const verdict = checkMetricsAccess(ctx.config, ctx.secrets, authorization);
  if (!verdict.ok) return errorAnswer(verdict.error);
  try {
    return { status: 200, contentType: ctx.metrics.registry.contentType, body: await ctx.metrics.registry.metrics() };
  } catch (e) {
    return errorAnswer({ code: 'internal', message: `metrics could not be collected: ${(e as Error).message}` });
  }
}
