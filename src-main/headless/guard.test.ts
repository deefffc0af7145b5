import type { FastifyInstance } from 'fastify';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../core/app';
import { parseConfig } from '../core/config';
import { createHttpServer } from './http';
import { tlsFor, type TlsMaterial } from './tls';

const TOKEN = 'guard-token-0123456789abcdefghijklmnop';
let core: Core | undefined;
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  await core?.stop();
  app = core = undefined;
});

async function serve(
  yaml = 'smoke: { enabled: false }',
  secrets: Record<string, string> = {},
  requestTimeoutMs?: number,
  tls?: TlsMaterial,
): Promise<{ port: number; base: string }> {
  core = createCore({ config: parseConfig(yaml), dataDir: null, secrets: { get: (n) => secrets[n], names: () => Object.keys(secrets) } });
  await core.start();
  app = await createHttpServer({ core, token: TOKEN, requestTimeoutMs, tls });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  return { port, base: `http://127.0.0.1:${port}` };
}

/** A real node:http client that sets any Host header (fetch will not). */
const get = (port: number, path: string, headers: Record<string, string>) =>
  new Promise<{ status: number; body: string }>((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });

/** Open a raw socket, send only the headers of a large upload, and report the status line the server answers with. */
function slowUpload(port: number, path: string, headers = '', tls = false): { socket: Socket; answer: Promise<string> } {
  const socket = tls ? connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n${headers}\r\n{"a":`,
  );
  const answer = new Promise<string>((ok) => {
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\r\n')) ok(got.split('\r\n')[0]!);
    });
    socket.on('error', () => ok(got || 'error'));
    socket.on('close', () => ok(got.split('\r\n')[0] || 'closed'));
  });
  return { socket, answer };
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, fail) => setTimeout(() => fail(new Error(`${what}: no answer in ${ms} ms`)), ms))]);

describe('headless server limits (R-SEC-1, R-SEC-5, R-SEC-7)', () => {
  it('R-SEC-1: every authenticated route answers 401 to a tokenless upload before reading its body', async () => {
    const { port } = await serve();
    for (const path of [
      '/api/rpc/status.get',
      '/api/v1/events',
      '/api/v1/alerts/alertmanager',
      '/api/v1/smoke/run',
      '/api/v1/alerts/abc/ack',
      '/api/v1/telegram/callback',
    ]) {
      const { socket, answer } = slowUpload(port, path);
      expect(await within(answer, 5_000, path), path).toBe('HTTP/1.1 401 Unauthorized');
      socket.destroy();
    }
  });

  it('R-SEC-5: 3,000 slow tokenless raw-socket uploads are refused and dropped while /health keeps answering', async () => {
    const { port, base } = await serve();
    const uploads: Array<ReturnType<typeof slowUpload>> = [];
    for (let i = 0; i < 3_000; i++) {
      uploads.push(slowUpload(port, i % 2 ? '/api/v1/events' : '/api/rpc/events.list'));
      if (i % 500 === 499) {
        const h = await within(fetch(`${base}/health`), 5_000, '/health during the flood');
        expect(h.status).toBe(200);
      }
    }
    const answers = await within(Promise.all(uploads.map((u) => u.answer)), 60_000, 'the uploads');
    expect(answers.filter((a) => a !== 'HTTP/1.1 401 Unauthorized')).toEqual([]);
    // The server closed them: no slot stays held by a client that never finishes its body.
    const open = async () => new Promise<number>((ok) => app!.server.getConnections((_e, n) => ok(n)));
    for (let i = 0; i < 100 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await open()).toBe(0);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    uploads.forEach((u) => u.socket.destroy());
  }, 120_000);

  it('R-SEC-5: clients with a valid token that trickle their bodies are cut off by the request deadline while /health keeps answering', async () => {
    const deadline = 3_000; // the real default is 30 s; the same Node deadline, shortened for the test
    const { port, base } = await serve(undefined, undefined, deadline);
    const started = Date.now();
    const clients = Array.from({ length: 200 }, (_, i) =>
      slowUpload(port, i % 2 ? '/api/v1/events' : '/api/rpc/events.list', `Authorization: Bearer ${TOKEN}\r\n`),
    );
    // Each sends one more byte every 200 ms: never idle, never done.
    const drip = setInterval(() => clients.forEach((c) => c.socket.writable && c.socket.write(' ')), 200);
    try {
      for (let i = 0; i < 4; i++) {
        const h = await within(fetch(`${base}/health`), 5_000, '/health while bodies trickle');
        expect(h.status).toBe(200);
        await new Promise((r) => setTimeout(r, 500));
      }
      const answers = await within(Promise.all(clients.map((c) => c.answer)), 30_000, 'the trickling uploads');
      // Node answers 408 at the deadline and closes; never a 2xx for a body that never finished.
      expect(answers.filter((a) => !/^(HTTP\/1\.1 408|closed|error)/.test(a))).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(deadline - 500);
      const open = async () => new Promise<number>((ok) => app!.server.getConnections((_e, n) => ok(n)));
      for (let i = 0; i < 100 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await open()).toBe(0);
      expect((await fetch(`${base}/health`)).status).toBe(200);
    } finally {
      clearInterval(drip);
      clients.forEach((c) => c.socket.destroy());
    }
  }, 60_000);

  it('R-SEC-5: over TLS (a team server) too, a body that trickles is cut off by the request deadline', async () => {
    // Fastify sets its deadlines only on servers it makes itself: the HTTPS server's request deadline was Node's 300 s.
    const dir = mkdtempSync(join(tmpdir(), 'vigil-guard-tls-'));
    try {
      const tls = (await tlsFor({ host: '127.0.0.1', dataDir: dir, selfSigned: true }))!;
      const deadline = 3_000;
      const { port } = await serve(undefined, undefined, deadline, tls);
      const started = Date.now();
      const clients = Array.from({ length: 5 }, () => slowUpload(port, '/api/v1/events', `Authorization: Bearer ${TOKEN}\r\n`, true));
      const drip = setInterval(() => clients.forEach((c) => c.socket.writable && c.socket.write(' ')), 200);
      try {
        const answers = await within(Promise.all(clients.map((c) => c.answer)), 20_000, 'the trickling TLS uploads');
        expect(answers.filter((a) => !/^(HTTP\/1\.1 408|closed|error)/.test(a))).toEqual([]);
        expect(Date.now() - started).toBeGreaterThanOrEqual(deadline - 500);
        expect(app!.server.keepAliveTimeout).toBe(5_000);
      } finally {
        clearInterval(drip);
        clients.forEach((c) => c.socket.destroy());
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('R-SEC-5: an SSE reader that stops reading is dropped once it falls 1 MiB behind, not buffered without bound', async () => {
    const { port } = await serve();
    const socket = connect(port, '127.0.0.1');
    socket.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    await new Promise<void>((ok) => socket.once('data', () => ok()));
    socket.pause(); // a stalled reader: never reads again
    const open = async () => new Promise<number>((ok) => app!.server.getConnections((_e, n) => ok(n)));
    expect(await open()).toBe(1);
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 400 && (await open()) > 0; i++) {
      core!.ctx.bus.publish('notice', { title: `n${i}`, body: big, severity: 'critical' } as never);
      await new Promise((r) => setImmediate(r));
    }
    // 400 × 64 KiB = 25 MiB offered; the server dropped the reader instead of holding it.
    expect(await open()).toBe(0);
    socket.destroy();
  }, 60_000);

  it('R-SEC-7: /metrics fails closed when its token secret is named but unset, and wants the bearer when set', async () => {
    const yaml = 'smoke: { enabled: false }\nmetrics: { token: { secret: metrics-token } }';
    const unset = await serve(yaml);
    const closed = await fetch(`${unset.base}/metrics`);
    expect(closed.status).toBe(503);
    expect(await closed.json()).toMatchObject({
      error: { code: 'unavailable', message: expect.stringMatching(/secret "metrics-token", which is not set/) },
    });
    await app!.close();
    await core!.stop();
    const set = await serve(yaml, { 'metrics-token': 'scrape-0123456789abcdef' });
    expect((await fetch(`${set.base}/metrics`)).status).toBe(401);
    expect((await fetch(`${set.base}/metrics`, { headers: { authorization: 'Bearer scrape-0123456789abcdef' } })).status).toBe(200);
  });

  it('R-SEC-7: a request whose Host is not this server (DNS rebinding: Host evil.example) is refused; IPs, localhost and configured names pass', async () => {
    const { port } = await serve('smoke: { enabled: false }\nhttp: { allowedHosts: [vigil.ops.internal] }');
    const auth = { authorization: `Bearer ${TOKEN}` };
    const evil = await get(port, '/api/v2/status', { ...auth, host: `evil.example:${port}` });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ error: { code: 'forbidden' } });
    expect((await get(port, '/metrics', { host: 'evil.example' })).status).toBe(403);
    expect((await get(port, '/', { host: 'evil.example' })).status).toBe(403);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'vigil.ops.internal'])
      expect((await get(port, '/health', { host })).status, host).toBe(200);
  });
});
