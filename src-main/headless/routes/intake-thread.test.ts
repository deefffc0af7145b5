import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app';
import { parseConfig } from '../../core/config';
import { createLogger } from '../../core/log';
import { listenHttp } from '../testing';

/**
 * HTTP intake read on the intake thread (issue 17, router/intake-thread.ts): `vigil serve`'s setup — a data dir,
 * the decider on its thread — where the main thread hands a body's bytes over and writes the answer. Compared
 * request by request with an in-memory server, whose main thread parses and checks the body as before.
 */
const TOKEN = 'intake-thread-token-0123456789abcdefghij';
const CONFIG = 'channels: [{ name: desktop, type: desktop }]';
type Served = { core: Core; app: FastifyInstance; base: string };
let threaded: Served;
let inline: Served;
let dir = '';

async function serve(dataDir: string | null): Promise<Served> {
  const core = createCore({
    config: parseConfig(CONFIG),
    dataDir,
    watchConfig: false,
    log: createLogger(null),
    secrets: { get: () => undefined, names: () => [] },
    ...(dataDir ? { decider: 'worker' as const } : {}),
  });
  await core.start();
  return { core, ...(await listenHttp({ core, token: TOKEN })) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-intake-thread-'));
  threaded = await serve(dir);
  inline = await serve(null);
}, 60_000);
afterAll(async () => {
  for (const s of [threaded, inline]) {
    await s?.app.close();
    await s?.core.stop();
  }
  rmSync(dir, { recursive: true, force: true });
});

const post = (s: Served, path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(s.base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body,
  });
const stored = (s: Served) => (s.core.areas.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
const alert = (i: number, extra: Record<string, unknown> = {}) => ({
  status: 'firing',
  labels: { alertname: 'DiskFull', instance: `db-${i}`, severity: i % 2 ? 'critical' : 'warning' },
  annotations: { summary: `disk of db-${i} is full`, runbook_url: 'https://runbooks.example/disk' },
  startsAt: '2026-12-01T10:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus.example/graph?g0.expr=up&g0.tab=1',
  fingerprint: `fp-${i}`,
  ...extra,
});
const webhook = (alerts: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ version: '4', status: 'firing', receiver: 'vigil', groupKey: '{}:{alertname="DiskFull"}', alerts, ...extra });

describe('intake on the intake thread (R-INBOX-2)', () => {
  it('R-INBOX-2: with the intake thread, a webhook, generic events and Prometheus alerts are answered with their ids once stored, queued until decided, and stored as the main thread stores them', async () => {
    expect(threaded.core.acceptRaw).toBeDefined(); // the setup under test: bodies go to the intake thread
    expect(inline.core.acceptRaw).toBeUndefined();
    const bodies: Array<[string, string, number]> = [
      ['/api/v1/alerts/alertmanager', webhook([alert(1), alert(2, { status: 'resolved', endsAt: '2026-12-01T10:05:00Z' })]), 202],
      ['/api/v1/events', JSON.stringify([{ source: 'ci', severity: 'warning', summary: 'agent disk 90%', labels: { host: 'ci-3' } }]), 202],
      ['/api/v2/alerts', JSON.stringify([{ labels: { alertname: 'Up', job: 'node' }, annotations: { summary: 'node up' } }]), 200],
    ];
    for (const [path, body, status] of bodies) {
      const [a, b] = await Promise.all([post(threaded, path, body), post(inline, path, body)]);
      expect([a.status, b.status]).toEqual([status, status]);
      // The answer's text is made on the intake thread: the same type and shape as Fastify's own serialization.
      expect(a.headers.get('content-type')).toBe(b.headers.get('content-type'));
      const got = (await a.json()) as { accepted: number; ids: string[] };
      const want = (await b.json()) as { accepted: number; ids: string[] };
      expect(Object.keys(got)).toEqual(Object.keys(want));
      expect(got.accepted).toBe(want.accepted);
      expect(new Set(got.ids).size).toBe(got.accepted);
      // Acknowledged means findable at once: queued (in its inbox row) or decided already.
      for (const id of got.ids) expect((await threaded.core.call('events.get', { id })).ok).toBe(true);
      await Promise.all([threaded.core.areas.router.drain(), inline.core.areas.router.drain()]);
      const row = (s: Served, id: string) => {
        const r = s.core.areas.db
          .prepare(
            'SELECT source, fingerprint, severity, status, summary, labels, annotations, generator_url, origin FROM events WHERE id = ?',
          )
          .get(id) as Record<string, unknown>;
        return r && { ...r, fingerprint: path === '/api/v2/alerts' ? typeof r.fingerprint : r.fingerprint };
      };
      for (const [i, id] of got.ids.entries()) {
        expect(row(threaded, id)).toBeDefined();
        expect(row(threaded, id)).toEqual(row(inline, want.ids[i]!));
        const e = await threaded.core.call('events.get', { id });
        expect(e).toMatchObject({
          ok: true,
          value: { processed: true, trace: expect.arrayContaining([expect.objectContaining({ detail: `POST ${path}` })]) },
        });
      }
    }
  });

  it('R-INBOX-2, R-SEC-2: a body refused on the intake thread gets the same status and error as the main thread gives it, and nothing is stored', async () => {
    const before = stored(threaded);
    const big = webhook(Array.from({ length: 1_000 }, (_, i) => alert(i, { annotations: { summary: 'x'.repeat(1_200) } })));
    const cases: Array<[string, string, Record<string, string>?]> = [
      ['/api/v1/alerts/alertmanager', '{"version": "4", "alerts": ['], // not JSON
      ['/api/v1/alerts/alertmanager', ''], // empty
      ['/api/v1/alerts/alertmanager', webhook([alert(1)]).replace('{"version"', '{"__proto__": {"admin": true}, "version"')],
      ['/api/v1/events', '{"source": "ci", "constructor": {"prototype": {"admin": true}}}'],
      ['/api/v1/alerts/alertmanager', webhook([])], // wrong shape: no alerts
      ['/api/v1/alerts/alertmanager', webhook([alert(1, { labels: { alertname: 7 } })])],
      ['/api/v1/events', JSON.stringify([{ source: 'ci', severity: 'urgent', summary: 's', labels: {} }])],
      ['/api/v1/events', '"just a string"'],
      ['/api/v2/alerts', JSON.stringify([{ labels: { 'bad-name': 'x' } }])],
      ['/api/v2/alerts', JSON.stringify([{ labels: { a: '' } }])],
      ['/api/v1/alerts/alertmanager', big], // over the body limit
      ['/api/v1/alerts/alertmanager', webhook([alert(1)]), { authorization: 'Bearer wrong-token-0123456789abcdefghijkl' }],
      ['/api/v1/alerts/alertmanager', webhook([alert(1)]), { 'content-type': 'text/plain' }],
    ];
    expect(big.length).toBeGreaterThan(1024 * 1024);
    for (const [path, body, headers] of cases) {
      const [a, b] = await Promise.all([post(threaded, path, body, headers), post(inline, path, body, headers)]);
      const [ta, tb] = [await a.text(), await b.text()];
      expect({ path, body: body.slice(0, 80), status: a.status, answer: ta }).toEqual({
        path,
        body: body.slice(0, 80),
        status: b.status,
        answer: tb,
      });
      expect(a.status).toBeGreaterThanOrEqual(400);
      expect(JSON.parse(ta)).toMatchObject({ ok: false, error: { code: expect.any(String), message: expect.any(String) } });
    }
    await threaded.core.areas.router.drain();
    expect(stored(threaded)).toBe(before);
    expect(threaded.core.areas.router.inbox().count).toBe(0);
  });

  it('R-INBOX-2: concurrent requests committed together are each answered with their own ids, every event stored once', async () => {
    const before = stored(threaded);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, r) =>
        post(threaded, '/api/v1/alerts/alertmanager', webhook([alert(100 + 2 * r), alert(101 + 2 * r)])),
      ),
    );
    const ids = await Promise.all(answers.map(async (a) => (a.status === 202 ? ((await a.json()) as { ids: string[] }).ids : [])));
    expect(ids.every((x) => x.length === 2)).toBe(true);
    expect(new Set(ids.flat()).size).toBe(80);
    await threaded.core.areas.router.drain();
    expect(stored(threaded)).toBe(before + 80);
    const fps = ids.map((x) =>
      x.map(
        (id) =>
          (threaded.core.areas.db.prepare('SELECT fingerprint FROM events WHERE id = ?').get(id) as { fingerprint: string }).fingerprint,
      ),
    );
    expect(fps).toEqual(Array.from({ length: 40 }, (_, r) => [`fp-${100 + 2 * r}`, `fp-${101 + 2 * r}`]));
  });
});

describe('tokens checked at every request (R-PEOPLE-6)', () => {
  it('R-PEOPLE-6: an intake token removed, or a personal token rotated, right after it was used is refused at once', async () => {
    const { core } = inline;
    const body = webhook([alert(1)]);
    const intake = core.people.addIntake('grafana', 'admin');
    expect((await post(inline, '/api/v1/alerts/alertmanager', body, { authorization: `Bearer ${intake}` })).status).toBe(202);
    core.people.removeIntake('grafana', 'admin');
    expect((await post(inline, '/api/v1/alerts/alertmanager', body, { authorization: `Bearer ${intake}` })).status).toBe(401);

    const { token } = core.people.add({ name: 'rota', role: 'responder' }, 'admin');
    expect((await post(inline, '/api/v1/alerts/alertmanager', body, { authorization: `Bearer ${token}` })).status).toBe(202);
    const rotated = core.people.rotate('rota', 'admin').token;
    expect((await post(inline, '/api/v1/alerts/alertmanager', body, { authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await post(inline, '/api/v1/alerts/alertmanager', body, { authorization: `Bearer ${rotated}` })).status).toBe(202);
  });
});
