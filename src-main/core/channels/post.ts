import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/**
 * One JSON POST over node:http(s) with keep-alive, for the channels' sends. `fetch` (undici) built web streams, a
 * Request, an AbortSignal follower and a released-reader error (util.inspect) per message, and wrote the body apart
 * from the head: ~480-550 µs of CPU a webhook message against ~185 µs here (3,000 POSTs at width 8 to a loopback
 * sink, idle machine), all on the thread that sends (the main thread by default, R-SCALE-20).
 *
 * Kept from fetch: TLS verification with Node's CAs, the caller's AbortSignal (timeouts), the error codes
 * (ECONNREFUSED, ENOTFOUND, certificate errors: `networkFailure` reads `code` on the error itself), a compressed
 * answer decoded. A redirect answer (3xx with Location) is not followed here: the caller repeats the request with
 * fetch, which follows it as before.
 */
export interface PostReply {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
  /** The answer was a redirect: repeat with fetch. */
  redirect: boolean;
}

/**
 * Idle connections are closed after this (undici's default keep-alive timeout), or a second before the server's own
 * `Keep-Alive: timeout=N` hint when that is shorter (node's Agent), so a request rarely meets a connection the server closed.
 */
const IDLE_MS = 4_000;
const agents = { http: new HttpAgent({ keepAlive: true, timeout: IDLE_MS }), https: new HttpsAgent({ keepAlive: true, timeout: IDLE_MS }) };
/** A request on a reused connection that the server closed before answering is sent again on another (nothing was taken). */
const STALE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Where a channel's POSTs go: the URL's request options, made once per URL text (R-SCALE-34). */
export interface PostTarget {
  readonly https: boolean;
  readonly options: Readonly<RequestOptions>;
}

/**
 * A URL's target, or null when it is not http(s) (fetch takes it). Parsing the URL and `urlToHttpOptions` per message
 * were ~5% of a send's CPU on the main thread; a channel posts to a few URL texts, so they are kept (a bounded map:
 * a URL that throws is not kept and throws again, as `new URL` did per message).
 */
export function postTarget(url: string): PostTarget | null {
  let t = targets.get(url);
  if (t !== undefined) return t;
  const u = new URL(url);
  const https = u.protocol === 'https:';
  t = https || u.protocol === 'http:' ? { https, options: requestOptions(u, https) } : null;
  if (targets.size >= MAX_TARGETS) targets.clear();
  targets.set(url, t);
  return t;
}
const targets = new Map<string, PostTarget | null>();
const MAX_TARGETS = 64;

/**
 * What node:http reads of `urlToHttpOptions(url)` (IPv6 brackets dropped, path with the query, credentials as `auth`),
 * nothing more: the agent copies a request's options into a fresh object per message (`addRequest`), so the URL's
 * href, hash, search and pathname only cost copying (CopyDataProperties was ~2.5% of a warm send's CPU).
 */
function requestOptions(u: URL, https: boolean): RequestOptions {
  const { protocol, hostname, port, path, auth } = urlToHttpOptions(u);
  return {
    protocol,
    hostname,
    ...(port !== undefined ? { port } : {}),
    path,
    ...(auth !== undefined ? { auth } : {}),
    method: 'POST',
    agent: https ? agents.https : agents.http,
  };
}

export async function postOverHttp(
  target: PostTarget,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<PostReply> {
  for (let tries = 0; ; tries++) {
    try {
      return await once(target, body, headers, signal);
    } catch (e) {
      if (!(e instanceof StaleConnection) || tries >= 2 || signal.aborted) throw e instanceof StaleConnection ? e.cause : e;
    }
  }
}

class StaleConnection extends Error {}

/** What node:http's own `signal` option throws on an abort (the reason is the caller's: `networkFailure` words it). */
const aborted = (signal: AbortSignal): Error =>
  Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });

function once({ https, options }: PostTarget, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<PostReply> {
  // Aborted before it began (a stop): nothing goes out.
  if (signal.aborted) return Promise.reject(aborted(signal));
  return new Promise<PostReply>((resolve, reject) => {
    let answered = false;
    // One abort listener, removed when the promise settles. node:http's `signal` option added it through
    // `addAbortSignal`, whose end-of-stream watch put ~8 more listeners on each request (~1/3 of the ClientRequest's
    // construction in round 0's main-thread profile).
    const onAbort = () => req.destroy(aborted(signal));
    const done = () => signal.removeEventListener('abort', onAbort);
    const ok = (r: PostReply) => (done(), resolve(r));
    const fail = (e: unknown) => (done(), reject(e));
    const req = (https ? httpsRequest : httpRequest)(
      { ...options, headers: { accept: '*/*', 'user-agent': 'node', ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        answered = true;
        const status = res.statusCode ?? 0;
        const get = (name: string): string | null => {
          const v = res.headers[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        };
        if (REDIRECTS.has(status) && res.headers.location) {
          res.resume();
          return ok({ status, headers: { get }, text: '', redirect: true });
        }
        readText(res).then((text) => ok({ status, headers: { get }, text, redirect: false }), fail);
      },
    );
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: Error & { code?: string }) =>
      // The caller's abort wins (it names the timeout); a reused connection found closed before any answer is tried
      // again. Once an answer began the receiver had the request: a failed attempt, retried by the outbox as before.
      fail(!signal.aborted && !answered && req.reusedSocket && STALE.has(e.code ?? '') ? new StaleConnection(e.message, { cause: e }) : e),
    );
    req.end(body);
  });
}

/**
 * The answer's body as text, decoded as fetch would (gzip, deflate, br). Its Content-Encoding is read from the raw
 * headers (the `headers` object is built only if a channel asks for a header).
 */
function readText(res: IncomingMessage): Promise<string> {
  const enc = rawHeader(res.rawHeaders, 'content-encoding').toLowerCase();
  const decoder =
    enc === 'gzip' || enc === 'x-gzip'
      ? createGunzip()
      : enc === 'deflate'
        ? createInflate()
        : enc === 'br'
          ? createBrotliDecompress()
          : null;
  const stream = decoder ? res.pipe(decoder) : res;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
    res.on('error', reject);
    res.on('aborted', () => reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
  });
}

/** A header's values joined with ", " as `IncomingMessage.headers` joins them ('' when absent). */
function rawHeader(raw: string[], name: string): string {
  let v = '';
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) v = v ? `${v}, ${raw[i + 1]}` : raw[i + 1]!;
  return v;
}
