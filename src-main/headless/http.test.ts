import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode } from '../../src-shared/result';
import { createCore, type Core } from '../core/app';
import { parseConfig, DEFAULT_CONFIG_YAML } from '../core/config';
import { createHttpServer } from './http';

let core: Core;
let app: FastifyInstance;
let base: string;
const TOKEN = 'test-token-0123456789abcdefghijklmnop';
const rpc = (method: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/rpc/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

beforeAll(async () => {
  core = createCore({ config: parseConfig(DEFAULT_CONFIG_YAML), dataDir: null });
  await core.start();
  app = await createHttpServer({ core, token: TOKEN });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
});
afterAll(async () => {
  await app.close();
  await core.stop();
});

describe('headless HTTP shell', () => {
  it('R-SEC-1: /health is open and cheap', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('R-SEC-1: the RPC refuses a missing or wrong token with 401 and answers with the right one', async () => {
    const none = await fetch(`${base}/api/rpc/status.get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await rpc('status.get', {}, { authorization: 'Bearer nope' })).status).toBe(401);
    const res = await rpc('status.get', {});
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; value: { tiles: { id: string }[] } };
    expect(body.ok).toBe(true);
    expect(body.value.tiles.map((t) => t.id)).toContain('core');
  });

  it('R-SEC-2: bad input gets 400 naming the field, unknown methods 404, non-JSON 415, oversized 413', async () => {
    const bad = await rpc('system.ping', { echo: 5 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^echo: /);
    const extra = await rpc('system.ping', { echo: 'x', sneaky: 1 });
    expect(extra.status).toBe(400);
    expect((await rpc('no.such', {})).status).toBe(404);
    expect((await rpc('system.ping', '{not json')).status).toBe(400);
    const text = await rpc('system.ping', 'echo=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const big = await rpc('system.ping', { echo: 'x'.repeat(1024 * 1024 + 10) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'too_large' } });
  });

  it("R-CONTRACT-2: every HTTP error — a handler's, the RPC door's, a REST alias's or fastify's own — is the RPC envelope {ok:false, error:{code,message}}", async () => {
    const Envelope = z.object({ ok: z.literal(false), error: z.object({ code: ErrorCode, message: z.string().min(1) }).strict() }).strict();
    const json = { 'content-type': 'application/json' };
    const cases: Array<[string, Promise<Response>, number]> = [
      ['no token', fetch(`${base}/api/rpc/status.get`, { method: 'POST', headers: json, body: '{}' }), 401],
      ['bad input', rpc('system.ping', { echo: 5 }), 400],
      ['unknown method', rpc('no.such', {}), 404],
      ['not JSON (fastify)', rpc('system.ping', '{not json'), 400],
      ['not application/json (fastify)', rpc('system.ping', 'echo=x', { 'content-type': 'text/plain' }), 415],
      ['too large (fastify)', rpc('system.ping', { echo: 'x'.repeat(1024 * 1024 + 10) }), 413],
      ['no such route (fastify)', fetch(`${base}/api/v1/nothing-here`), 404],
      [
        'REST alias refused by the core',
        fetch(`${base}/api/v1/alerts/never-seen/ack`, {
          method: 'POST',
          headers: { ...json, authorization: `Bearer ${TOKEN}` },
          body: '{"by":"ann"}',
        }),
        404,
      ],
      [
        'REST alias without channels',
        fetch(`${base}/api/v1/smoke/daily-summary/send`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } }),
        400,
      ],
    ];
    for (const [what, res, status] of cases) {
      const r = await res;
      expect({ what, status: r.status }).toEqual({ what, status });
      expect(Envelope.safeParse(await r.json()).success, what).toBe(true);
    }
    // A handler that throws something unexpected: 500, same envelope (a second instance, since routes cannot be added after listen).
    const other = await createHttpServer({ core, token: TOKEN });
    other.get('/boom', () => {
      throw new Error('kaput');
    });
    const boom = await other.inject({ method: 'GET', url: '/boom' });
    await other.close();
    expect(boom.statusCode).toBe(500);
    expect(Envelope.parse(boom.json())).toEqual({
      ok: false,
      error: { code: 'internal', message: 'internal error (written to the server log)' },
    });
  });

  it('pushes status over SSE (Bearer header; the console uses its session cookie)', async () => {
    expect((await fetch(`${base}/api/stream`)).status).toBe(401);
    const ctrl = new AbortController();
    const res = await fetch(`${base}/api/stream`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: ctrl.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toMatch(/^event: status\ndata: \{/);
    ctrl.abort();
  });

  it('R-METRICS-2: /metrics serves Prometheus text with series at zero from start-up', async () => {
    const res = await fetch(`${base}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(text).toMatch(/^vigil_router_events_total\{source="api",result="notified"\} 0$/m);
    expect(text).toMatch(/^vigil_hitl_pending 0$/m);
  });
});
