import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('pushes status over SSE (token in the query, as EventSource cannot set headers)', async () => {
    expect((await fetch(`${base}/api/stream`)).status).toBe(401);
    const ctrl = new AbortController();
    const res = await fetch(`${base}/api/stream?token=${TOKEN}`, { signal: ctrl.signal });
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
