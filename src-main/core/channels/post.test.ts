import { EventEmitter, getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { CoreContext } from '../context';
import { alert } from '../notify/testing';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signBody, webhookChannel } from './webhook';
import type { SendResult } from './plugin';

/** What a receiver saw: each request's headers, body and the connection (socket) it came on. */
interface Seen {
  headers: IncomingMessage['headers'];
  body: string;
  conn: number;
  url?: string;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())));
});

/** A real HTTP receiver; `answer` writes the reply for the nth request (0-based). */
async function receiver(
  answer: (res: ServerResponse, n: number, req: IncomingMessage) => void = (res) => res.end('{}'),
  make: (listener: RequestListener) => Server = (l) => createServer(l),
) {
  const seen: Seen[] = [];
  let conns = 0;
  const server = make((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body, conn: (req.socket as unknown as { n: number }).n, url: req.url });
      answer(res, seen.length - 1, req);
    });
  });
  server.on('connection', (s) => ((s as unknown as { n: number }).n = conns++));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const ctx = (secrets: Record<string, string> = {}) =>
  ({ clock: { now: () => Date.now() }, secrets: { get: (n: string) => secrets[n] }, fetch: globalThis.fetch }) as unknown as CoreContext;

/** One send as the outbox's attempt makes it: its timeout aborts the signal with the reason it words. */
function send(url: string, opts: { secret?: string; timeoutMs?: number; key?: string; signal?: AbortSignal } = {}): Promise<SendResult> {
  const ch = webhookChannel(ctx(opts.secret ? { hook: opts.secret } : {}), {
    name: 'hook',
    type: 'webhook',
    url,
    timeout: opts.timeoutMs ?? 10_000,
    digest: 0,
    concurrency: 8,
    ...(opts.secret ? { hmacSecret: { secret: 'hook' } } : {}),
  });
  const abort = new AbortController();
  const ms = opts.timeoutMs ?? 10_000;
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${ms} ms`)), ms);
  return ch.send(alert('Disk full on db1'), opts.key ?? 'k-1', opts.signal ?? abort.signal).finally(() => clearTimeout(timer));
}

describe('webhook sends over node:http with keep-alive (R-SCALE-20)', () => {
  it('R-SCALE-20, R-NOTIFY-3: the JSON body, its idempotency key and signature as before; messages in a row share one connection', async () => {
    const r = await receiver();
    for (let i = 0; i < 5; i++) expect(await send(`${r.url}/hook`, { secret: 's3cret', key: `k-${i}` })).toEqual({ ok: true });
    expect(r.seen).toHaveLength(5);
    const first = r.seen[0]!;
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers[IDEMPOTENCY_HEADER.toLowerCase()]).toBe('k-0');
    expect(first.headers[SIGNATURE_HEADER.toLowerCase()]).toBe(signBody('s3cret', first.body));
    expect(JSON.parse(first.body)).toMatchObject({
      version: 1,
      channel: 'hook',
      idempotencyKey: 'k-0',
      message: { title: 'Disk full on db1' },
    });
    expect(new Set(r.seen.map((s) => s.conn)).size).toBe(1);
  });

  it('R-SCALE-20: a kept-alive connection the receiver closed is not a failed attempt: the message goes again on a new one', async () => {
    // The receiver takes each connection's second request and drops the connection unanswered (as one that timed out
    // the idle connection as the request arrived).
    const r = await receiver((res, _n, req) => {
      const s = req.socket as unknown as { n: number; served?: number };
      s.served = (s.served ?? 0) + 1;
      if (s.served === 2) return req.socket.destroy();
      res.end('{}');
    });
    expect(await send(`${r.url}/hook`, { key: 'k-a' })).toEqual({ ok: true });
    expect(await send(`${r.url}/hook`, { key: 'k-b' })).toEqual({ ok: true });
    // k-b came twice (the dropped request and its repeat, same key: at least once, shown once), on two connections.
    expect(r.seen.map((s) => s.headers[IDEMPOTENCY_HEADER.toLowerCase()])).toEqual(['k-a', 'k-b', 'k-b']);
    expect(r.seen.map((s) => s.conn)).toEqual([0, 0, 1]);
  });

  it('R-SCALE-20: a connection reset after the answer began is a failed attempt (the receiver had it), not sent again at once', async () => {
    const r = await receiver((res, _n, req) => {
      const s = req.socket as unknown as { served?: number };
      s.served = (s.served ?? 0) + 1;
      if (s.served === 2) {
        res.writeHead(200, { 'content-length': '100' }).write('{"partial":');
        return setTimeout(() => req.socket.destroy(), 20);
      }
      res.end('{}');
    });
    expect(await send(`${r.url}/hook`, { key: 'k-a' })).toEqual({ ok: true });
    expect(await send(`${r.url}/hook`, { key: 'k-b' })).toMatchObject({ ok: false, retryable: true });
    expect(r.seen.map((s) => s.headers[IDEMPOTENCY_HEADER.toLowerCase()])).toEqual(['k-a', 'k-b']);
  });

  it('R-SCALE-20, R-NOTIFY-3: the answer decides as before: Retry-After on a 429, a 4xx refusal with its (gzip) body, a 307 followed', async () => {
    const target = await receiver();
    const r = await receiver((res, n) => {
      if (n === 0) return res.writeHead(429, { 'retry-after': '7' }).end('slow down');
      if (n === 1) return res.writeHead(400, { 'content-encoding': 'gzip' }).end(gzipSync('bad field "x"'));
      res.writeHead(307, { location: `${target.url}/moved` }).end();
    });
    expect(await send(`${r.url}/hook`)).toEqual({
      ok: false,
      retryable: true,
      retryAfterMs: 7_000,
      error: expect.stringContaining('HTTP 429'),
    });
    expect(await send(`${r.url}/hook`)).toEqual({ ok: false, retryable: false, error: expect.stringContaining('bad field "x"') });
    expect(await send(`${r.url}/hook`, { key: 'k-moved' })).toEqual({ ok: true });
    expect(target.seen).toHaveLength(1);
    expect(target.seen[0]!.headers[IDEMPOTENCY_HEADER.toLowerCase()]).toBe('k-moved');
    expect(JSON.parse(target.seen[0]!.body)).toMatchObject({ idempotencyKey: 'k-moved' });
  });

  it('R-SCALE-20, R-NOTIFY-3: no answer within the timeout and a refused connection are retryable failures worded as before', async () => {
    const r = await receiver(() => undefined); // takes the request, never answers
    expect(await send(`${r.url}/hook`, { timeoutMs: 300 })).toEqual({
      ok: false,
      retryable: true,
      error: 'webhook 127.0.0.1:' + new URL(r.url).port + ' unreachable: no answer within 300 ms',
    });
    const closed = await receiver();
    const url = `${closed.url}/hook`;
    await new Promise<void>((ok) => closed.server.close(() => ok()));
    expect(await send(url)).toEqual({ ok: false, retryable: true, error: `webhook ${new URL(url).host} unreachable: ECONNREFUSED` });
  });

  it('R-SCALE-34: TLS is verified (a self-signed receiver is refused, worded by its code) and the URL decides the request: path with query, credentials', async () => {
    // A certificate no CA signed (the selfsigned package the team server's TLS uses): refused, nothing received.
    const { generate } = await import('selfsigned');
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], { keySize: 2048, algorithm: 'sha256' });
    const tls = await receiver(undefined, (l) => createTlsServer({ cert: pems.cert, key: pems.private }, l));
    const url = tls.url.replace('http:', 'https:');
    expect(await send(`${url}/hook`)).toEqual({
      ok: false,
      retryable: true,
      error: `webhook ${new URL(url).host} unreachable: DEPTH_ZERO_SELF_SIGNED_CERT`,
    });
    expect(tls.seen).toHaveLength(0);
    const r = await receiver();
    const at = new URL(r.url);
    expect(await send(`http://ops:p%40ss@${at.host}/hook?team=db`)).toEqual({ ok: true });
    expect(r.seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('ops:p@ss').toString('base64')}`);
    expect(r.seen[0]!.headers.host).toBe(at.host);
    expect(r.seen[0]!.url).toBe('/hook?team=db');
    expect(await send(`${r.url}/hook?team=db`)).toEqual({ ok: true });
    expect(r.seen[1]!.headers.authorization).toBeUndefined();
  });

  it('R-SCALE-34: an abort is heard until the answer is read, and no listener stays on the signal; an aborted signal sends nothing', async () => {
    // The answer's head comes at once, its body never: the timeout still ends the send, worded as before.
    const r = await receiver((res) => res.writeHead(200, { 'content-length': '10' }).write('{'));
    expect(await send(`${r.url}/hook`, { timeoutMs: 300 })).toEqual({
      ok: false,
      retryable: true,
      error: `webhook ${new URL(r.url).host} unreachable: no answer within 300 ms`,
    });
    // One long-lived signal for many sends (a caller's own): each send's listener goes with it, no leak warning.
    const ok = await receiver();
    const signal = new AbortController().signal;
    const warnings: Error[] = [];
    const warn = (w: Error) => warnings.push(w);
    process.on('warning', warn);
    try {
      for (let i = 0; i < EventEmitter.defaultMaxListeners + 2; i++) expect(await send(`${ok.url}/hook`, { signal })).toEqual({ ok: true });
      await new Promise((res) => setImmediate(res));
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', warn);
    }
    const stopped = new AbortController();
    stopped.abort(new Error('Vigil is stopping'));
    const before = ok.seen.length;
    expect(await send(`${ok.url}/hook`, { signal: stopped.signal })).toEqual({
      ok: false,
      retryable: true,
      error: `webhook ${new URL(ok.url).host} unreachable: Vigil is stopping`,
    });
    await new Promise((res) => setTimeout(res, 50));
    expect(ok.seen).toHaveLength(before);
  });
});
