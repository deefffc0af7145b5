import BetterSqlite3 from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app';
import { parseConfig } from '../../core/config';
import { createLogger } from '../../core/log';
import { listenHttp } from '../testing';
import { leanTaken } from './intake-lean';

/**
 * The intake routes' lean path before Fastify (R-SCALE-29, routes/intake-lean.ts), in `vigil serve`'s setup (a data
 * dir, the intake and decider threads): two servers, the lean path on in one and off in the other, get the same
 * requests; every answer (status line, headers in order but Date, body) must be the same, and the lean path must have
 * answered exactly the ones it is meant to take.
 */
const TOKEN = 'intake-lean-token-0123456789abcdefghijkl';
const CONFIG = 'channels: [{ name: desktop, type: desktop }]';
type Served = { core: Core; app: FastifyInstance; port: number; dir: string };
let lean: Served;
let plain: Served;

async function serve(leanIntake: boolean): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-intake-lean-'));
  const core = createCore({
    config: parseConfig(CONFIG),
    dataDir: dir,
    watchConfig: false,
    log: createLogger(null),
    secrets: { get: () => undefined, names: () => [] },
    decider: 'worker',
  });
  await core.start();
  const { app } = await listenHttp({ core, token: TOKEN, leanIntake });
  return { core, app, port: (app.server.address() as { port: number }).port, dir };
}

beforeAll(async () => {
  [lean, plain] = await Promise.all([serve(true), serve(false)]);
}, 60_000);
afterAll(async () => {
  for (const s of [lean, plain]) {
    await s?.app.close();
    await s?.core.stop();
    if (s) rmSync(s.dir, { recursive: true, force: true });
  }
});

interface Answer {
  status: string;
  headers: string[];
  body: string;
}
/** One raw HTTP/1.1 exchange (node:http: its own headers only, no fetch normalising): the answer as the client sees it. */
function exchange(
  s: Served,
  opts: { method?: string; path: string; body?: string; headers?: Record<string, string>; chunked?: boolean },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = opts.body ?? '';
    const req = request(
      {
        host: '127.0.0.1',
        port: s.port,
        method: opts.method ?? 'POST',
        path: opts.path,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${TOKEN}`,
          ...(opts.chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
          ...opts.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const headers: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2)
            if (res.rawHeaders[i]!.toLowerCase() !== 'date') headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
          resolve({ status: `${res.statusCode} ${res.statusMessage}`, headers, body: text });
        });
      },
    );
    req.on('error', reject);
    if (opts.chunked) req.write(body.slice(0, 10));
    req.end(opts.chunked ? body.slice(10) : body);
  });
}

const alert = (i: number, extra: Record<string, unknown> = {}) => ({
  status: 'firing',
  labels: { alertname: 'DiskFull', instance: `db-${i}`, severity: i % 2 ? 'critical' : 'warning' },
  annotations: { summary: `disk of db-${i} is full` },
  startsAt: '2026-12-01T10:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  fingerprint: `fp-${i}`,
  ...extra,
});
const webhook = (alerts: unknown[]) => JSON.stringify({ version: '4', status: 'firing', receiver: 'vigil', alerts });
const rejected = async (s: Served) =>
  (await s.core.ctx.metrics.routerEvents.get()).values.filter((v) => v.labels.result === 'rejected').reduce((n, v) => n + v.value, 0);

/** Both servers' answers to the same request, and how many of them the lean path answered. */
async function both(opts: Parameters<typeof exchange>[1]): Promise<{ a: Answer; b: Answer; took: number }> {
  const before = leanTaken(lean.app);
  const [a, b] = await Promise.all([exchange(lean, opts), exchange(plain, opts)]);
  expect(leanTaken(plain.app)).toBe(0);
  return { a, b, took: leanTaken(lean.app) - before };
}

describe('intake answered before Fastify (R-SCALE-29)', () => {
  it('R-SCALE-29, R-INBOX-2: accepted requests on the three routes get the same status, headers and body from the lean path as from Fastify', async () => {
    const cases: Array<[string, string, Record<string, string>?]> = [
      ['/api/v1/alerts/alertmanager', webhook([alert(1), alert(2, { status: 'resolved', endsAt: '2026-12-01T10:05:00Z' })])],
      ['/api/v1/events', JSON.stringify([{ source: 'ci', severity: 'warning', summary: 'agent disk 90%', labels: { host: 'ci-3' } }])],
      ['/api/v2/alerts', JSON.stringify([{ labels: { alertname: 'Up', job: 'node' }, annotations: { summary: 'node up' } }])],
      [
        '/api/v1/events',
        JSON.stringify([{ source: 'ci', severity: 'info', summary: 'one', labels: { host: 'ci-4' } }]),
        { 'content-type': 'application/json; charset=utf-8' },
      ],
    ];
    for (const [path, body, headers] of cases) {
      const { a, b, took } = await both({ path, body, ...(headers ? { headers } : {}) });
      expect(took).toBe(1);
      // The ids differ (two databases); everything else is the same, byte for byte.
      const ids = (x: Answer) => ({ ...x, body: x.body.replace(/"ids":\[[^\]]*\]/, (m) => m.replace(/"[^"]+"/g, '"ID"')) });
      expect(ids(a)).toEqual(ids(b));
      expect(a.status).toMatch(/^20[02] /);
      expect(a.headers).toEqual([
        'content-type: application/json; charset=utf-8',
        `content-length: ${Buffer.byteLength(a.body)}`,
        'Connection: keep-alive',
        'Keep-Alive: timeout=5',
      ]);
    }
    // An intake token (its own kind) and a responder's personal token are taken too.
    const intake = lean.core.people.addIntake('grafana', 'admin');
    const { token } = lean.core.people.add({ name: 'rota', role: 'responder' }, 'admin');
    for (const t of [intake, token]) {
      const before = leanTaken(lean.app);
      const a = await exchange(lean, {
        path: '/api/v1/events',
        body: JSON.stringify([{ source: 'ci', severity: 'info', summary: 's', labels: {} }]),
        headers: { authorization: `Bearer ${t}` },
      });
      expect([a.status, leanTaken(lean.app) - before]).toEqual(['202 Accepted', 1]);
    }
  });

  it("R-SCALE-29, R-SEC-2: every refusal the lean path makes (bad JSON, poisoned JSON, the adapters) has the same status, headers and words as Fastify's, counts as rejected, and stores nothing", async () => {
    const stored = (s: Served) => (s.core.areas.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    await Promise.all([lean.core.areas.router.drain(), plain.core.areas.router.drain()]);
    const before = [stored(lean), stored(plain)];
    const cases: Array<[string, string]> = [
      ['/api/v1/alerts/alertmanager', '{"version": "4", "alerts": ['],
      ['/api/v1/alerts/alertmanager', '\u00ff\u00fe not JSON'],
      ['/api/v1/alerts/alertmanager', webhook([alert(1)]).replace('{"version"', '{"__proto__": {"admin": true}, "version"')],
      ['/api/v1/events', '{"source": "ci", "constructor": {"prototype": {"admin": true}}}'],
      ['/api/v1/alerts/alertmanager', webhook([])],
      ['/api/v1/alerts/alertmanager', webhook([alert(1, { labels: { alertname: 7 } })])],
      ['/api/v1/events', JSON.stringify([{ source: 'ci', severity: 'urgent', summary: 's', labels: {} }])],
      ['/api/v1/events', '"just a string"'],
      ['/api/v1/events', 'null'],
      ['/api/v2/alerts', JSON.stringify([{ labels: { 'bad-name': 'x' } }])],
      ['/api/v2/alerts', JSON.stringify([{ labels: { a: '' } }])],
      ['/api/v2/alerts', '{}'],
    ];
    for (const [path, body] of cases) {
      const counted = [await rejected(lean), await rejected(plain)];
      const { a, b, took } = await both({ path, body });
      expect({ path, sent: body.slice(0, 60), ...a }).toEqual({ path, sent: body.slice(0, 60), ...b });
      expect({ body: body.slice(0, 60), took, status: a.status.slice(0, 3) }).toEqual({ body: body.slice(0, 60), took: 1, status: '400' });
      // An adapter's refusal counts under the route's source; a body that is not JSON is refused before any adapter.
      expect((await rejected(lean)) - counted[0]!).toBe((await rejected(plain)) - counted[1]!);
    }
    await Promise.all([lean.core.areas.router.drain(), plain.core.areas.router.drain()]);
    expect([stored(lean), stored(plain)]).toEqual(before);
    expect(lean.core.areas.router.inbox().count).toBe(0);
  });

  it("R-SCALE-29, R-SEC-1, R-SEC-5, R-SEC-7: requests the lean path does not take (tokens, content types, sizes, Host, query, method, path) get Fastify's answers as before", async () => {
    const body = webhook([alert(1)]);
    const viewer = lean.core.people.add({ name: 'watcher', role: 'viewer' }, 'admin').token;
    plain.core.people.add({ name: 'watcher', role: 'viewer' }, 'admin');
    const big = webhook(Array.from({ length: 1_000 }, (_, i) => alert(i, { annotations: { summary: 'x'.repeat(1_200) } })));
    const am = '/api/v1/alerts/alertmanager';
    const cases: Array<Parameters<typeof exchange>[1] & { same?: false }> = [
      { path: am, body, headers: { authorization: 'Bearer wrong-token-0123456789abcdefghijkl' } },
      { path: am, body, headers: { authorization: '' } },
      { path: am, body, headers: { authorization: `Bearer ${viewer}` }, same: false }, // 403 names the person
      { path: am, body, headers: { 'content-type': 'text/plain' } },
      { path: am, body, headers: { 'content-type': 'application/xml' } },
      { path: am, body: big },
      { path: am, body: big, chunked: true },
      { path: am, body, headers: { host: 'evil.example' } },
      { path: `${am}?token=${TOKEN}`, body },
      { path: `${am}/`, body },
      { path: am, method: 'PUT', body },
      { path: am, method: 'GET' },
      { path: am, body: '' },
    ];
    for (const c of cases) {
      const { a, b, took } = await both(c);
      expect({ path: c.path, took }).toEqual({ path: c.path, took: 0 });
      if (c.same !== false) expect({ path: c.path, sent: c.headers, ...a }).toEqual({ path: c.path, sent: c.headers, ...b });
      expect(Number(a.status.slice(0, 3))).toBeGreaterThanOrEqual(400);
    }
    // Taken by Fastify, accepted there: a chunked body, Content-Type with another spelling.
    for (const c of [{ chunked: true }, { headers: { 'content-type': 'Application/JSON' } }]) {
      const { a, took } = await both({ path: am, body, ...c });
      expect([a.status, took]).toEqual(['202 Accepted', 0]);
    }
  });

  it('R-SCALE-29, R-INBOX-3: an inbox busy past its timeout (503, Retry-After) and an append that fails (500) are answered alike by both paths', async () => {
    const body = webhook([alert(7)]);
    const path = '/api/v1/alerts/alertmanager';
    const inboxes = [lean, plain].map((s) => new BetterSqlite3(join(s.dir, 'inbox.db')));
    try {
      for (const db of inboxes) db.exec('BEGIN IMMEDIATE'); // longer than the intake thread's 5 s busy timeout
      const { a, b, took } = await both({ path, body });
      for (const db of inboxes) db.exec('COMMIT');
      expect(a).toEqual(b);
      expect([a.status, took, a.headers[0]]).toEqual(['503 Service Unavailable', 1, 'retry-after: 1']);
      // The append fails for another reason (its table is gone): 500, and the words say the log has the rest.
      for (const db of inboxes) db.exec('ALTER TABLE inbox RENAME TO inbox_away');
      const failed = await both({ path, body });
      for (const db of inboxes) db.exec('ALTER TABLE inbox_away RENAME TO inbox');
      expect(failed.a).toEqual(failed.b);
      expect([failed.a.status, failed.took, JSON.parse(failed.a.body)]).toEqual([
        '500 Internal Server Error',
        1,
        { ok: false, error: { code: 'internal', message: 'internal error (written to the server log)' } },
      ]);
    } finally {
      for (const db of inboxes) db.close();
    }
  }, 60_000);
});
