import type { FastifyInstance } from 'fastify';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../core/app';
import { headlessSecrets, parseConfig } from '../core/config';
import { createHttpServer } from './http';

/** Bounded, coded errors and no credentials in answers (R-SEC-10), over the real HTTP server on a real SQLite file. */
const TOKEN = 'errors-token-0123456789abcdefghijklmnop';
const dir = mkdtempSync(join(tmpdir(), 'vigil-errors-'));
const www = join(dir, 'www');
let core: Core;
let app: FastifyInstance;
let port = 0;

beforeAll(async () => {
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), '<h1>vigil</h1>');
  const yaml = [
    'smoke: { enabled: false }',
    'routes: [{ channels: [hook] }]',
    'channels:',
    '  - { name: hook, type: webhook, url: "https://ops:hunter2@hooks.example.com/services/T0123/B0456/abcdEFGHijklMNOPqrstUVWX" }',
  ].join('\n');
  core = createCore({ config: parseConfig(yaml), dataDir: join(dir, 'data') });
  await core.start();
  app = await createHttpServer({ core, token: TOKEN, staticDir: www });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await app?.close();
  await core?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw node:http request (fetch normalises paths such as /%2e%2e/). */
const raw = (method: string, path: string, body?: string) =>
  new Promise<{ status: number; body: string }>((ok, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', fail);
    req.end(body);
  });

describe('bounded, coded errors (R-SEC-10)', () => {
  it('R-SEC-10: a path the static server refuses (a traversal) is 403 forbidden, not 500 internal', async () => {
    const r = await raw('GET', '/%2e%2e/%2e%2e/etc/passwd');
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
    expect(r.body).not.toMatch(/root:|\/etc|\/tmp/);
  });

  it('R-SEC-10: a handler failing inside SQLite answers a coded internal error without the SQLite message or a path', async () => {
    core.areas.db.exec('ALTER TABLE events RENAME TO events_gone');
    try {
      const r = await raw('POST', '/api/rpc/events.list', '{}');
      expect(r.status).toBe(500);
      expect(JSON.parse(r.body)).toEqual({ ok: false, error: { code: 'internal', message: expect.stringMatching(/internal error/) } });
      expect(r.body).not.toMatch(/no such table|Sqlite|events_gone|\/tmp|\.ts/i);
    } finally {
      core.areas.db.exec('ALTER TABLE events_gone RENAME TO events');
    }
  });

  it('R-SEC-10: plan params nested 5,000 deep are refused at validation with a small 400, not a stack overflow', async () => {
    let params = '"x"';
    for (let i = 0; i < 5000; i++) params = `{"a":${params}}`;
    const r = await raw('POST', '/api/rpc/plans.create', `{"title":"deep","steps":[{"kind":"diagnose","params":${params}}]}`);
    expect(r.status).toBe(400);
    expect(r.body.length).toBeLessThan(500);
    expect(JSON.parse(r.body)).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/nested deeper/) },
    });
  });

  it('R-SEC-10: credentials in a config URL (user:pass@, a token in the path) never reach settings.get', async () => {
    const r = await raw('POST', '/api/rpc/settings.get', '{}');
    expect(r.status).toBe(200);
    expect(r.body).not.toMatch(/hunter2|abcdEFGHijklMNOPqrstUVWX/);
    expect(r.body).toContain('hooks.example.com');
  });

  it('R-SEC-10: __proto__ and constructor are never secrets: not settable, never "set" from the prototype', async () => {
    for (const name of ['__proto__', 'constructor']) {
      const r = await raw('POST', '/api/rpc/secrets.set', JSON.stringify({ name, value: 'v' }));
      expect(r.status, name).toBe(400);
    }
    const store = headlessSecrets(join(dir, 'data'), {});
    expect([store.get('constructor'), store.get('__proto__'), store.source?.('constructor'), store.source?.('toString')]).toEqual([
      undefined,
      undefined,
      null,
      null,
    ]);
  });
});
