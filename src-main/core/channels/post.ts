import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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

export async function postOverHttp(url: URL, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<PostReply> {
  for (let tries = 0; ; tries++) {
    try {
      return await once(url, body, headers, signal);
    } catch (e) {
      if (!(e instanceof StaleConnection) || tries >= 2 || signal.aborted) throw e instanceof StaleConnection ? e.cause : e;
    }
  }
}

class StaleConnection extends Error {}

function once(url: URL, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<PostReply> {
  const https = url.protocol === 'https:';
  return new Promise<PostReply>((resolve, reject) => {
    let answered = false;
    const req = (https ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        agent: https ? agents.https : agents.http,
        signal,
        headers: { accept: '*/*', 'user-agent': 'node', ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        answered = true;
        const status = res.statusCode ?? 0;
        const get = (name: string): string | null => {
          const v = res.headers[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        };
        if (REDIRECTS.has(status) && res.headers.location) {
          res.resume();
          return resolve({ status, headers: { get }, text: '', redirect: true });
        }
        readText(res).then((text) => resolve({ status, headers: { get }, text, redirect: false }), reject);
      },
    );
    req.on('error', (e: Error & { code?: string }) =>
      // The caller's abort wins (it names the timeout); a reused connection found closed before any answer is tried
      // again. Once an answer began the receiver had the request: a failed attempt, retried by the outbox as before.
      reject(
        !signal.aborted && !answered && req.reusedSocket && STALE.has(e.code ?? '') ? new StaleConnection(e.message, { cause: e }) : e,
      ),
    );
    req.end(body);
  });
}

/** The answer's body as text, decoded as fetch would (gzip, deflate, br). */
function readText(res: IncomingMessage): Promise<string> {
  const enc = String(res.headers['content-encoding'] ?? '').toLowerCase();
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
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (text += c));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
    res.on('error', reject);
    res.on('aborted', () => reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
  });
}
