import type { SendResult } from './plugin';
import { postOverHttp, postTarget } from './post';

/** What a channel needs from one HTTP answer. */
export interface HttpReply {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export async function postJson(
  fetchFn: typeof fetch,
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<HttpReply> {
  const h = { 'content-type': 'application/json', ...headers };
  // The platform's fetch (every core but a test's own): node:http with keep-alive, ~1/3 of fetch's CPU a message (post.ts).
  const target = fetchFn === globalThis.fetch ? postTarget(url) : null;
  const direct = target ? await postOverHttp(target, body, h, signal) : null;
  if (direct && !direct.redirect) return withJson(direct.status, direct.headers, direct.text);
  // A redirect (or another fetch): fetch follows it as it always did.
  const res = await fetchFn(url, { method: 'POST', headers: h, body, signal });
  return withJson(res.status, res.headers, await res.text());
}

/** `json` is parsed when read: a webhook never reads it, and a receiver answering "ok" made a SyntaxError per message. */
function withJson(status: number, headers: HttpReply['headers'], text: string): HttpReply {
  let parsed = false;
  let json: unknown;
  return {
    status,
    headers,
    text,
    get json() {
      if (!parsed) {
        parsed = true;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
      }
      return json;
    },
  };
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The retry decision belongs to the channel. Rate limits, timeouts and
 * server errors are retried; 401/403/404 mean the channel is misconfigured
 * (token, URL), so its messages are held rather than lost while a person
 * fixes it; any other 4xx is a refusal of this message and is final.
 */
export function classifyStatus(status: number, detail: string, retryAfterMs?: number): SendResult {
  if (status >= 200 && status < 300) return { ok: true };
  const error = `HTTP ${status}: ${detail.slice(0, 300)}`;
  const retryable =
    status === 408 || status === 425 || status === 429 || status >= 500 || status === 401 || status === 403 || status === 404;
  return retryAfterMs !== undefined && retryable ? { ok: false, retryable, retryAfterMs, error } : { ok: false, retryable, error };
}

/** A failure before any answer (refused, reset, DNS, timeout): always worth another try. */
export function networkFailure(e: unknown, signal: AbortSignal, what: string): SendResult {
  const reason = signal.aborted ? signal.reason : e;
  // fetch wraps the socket's error in `cause`; node:http (post.ts) throws it as it is (an abort's own code aside: the
  // signal's reason names the timeout).
  const own = e as { cause?: { code?: string; message?: string }; code?: unknown };
  const cause: { code?: string; message?: string } | undefined =
    own.cause ?? (!signal.aborted && typeof own.code === 'string' ? { code: own.code } : undefined);
  const detail = reason instanceof Error ? reason.message : String(reason);
  return { ok: false, retryable: true, error: `${what} unreachable: ${cause?.code ?? cause?.message ?? detail}` };
}

export const missingSecret = (what: string, secret: string): SendResult => ({
  ok: false,
  retryable: true,
  error: `${what}: secret "${secret}" is not set (set VIGIL_SECRET_${secret.toUpperCase().replace(/-/g, '_')} or store it in Settings); messages are held until it is`,
});
