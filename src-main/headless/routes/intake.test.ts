import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app';
import { parseConfig } from '../../core/config';
import { amWebhookBody } from '../../core/ingest/testing';
import { inboxEvents } from '../../core/store';
import { listenHttp } from '../testing';

const TOKEN = 'intake-token-0123456789abcdefghijklmnop';
let core: Core;
let app: FastifyInstance;
let base = '';
beforeAll(async () => {
  core = createCore({ config: parseConfig('channels: [{ name: desktop, type: desktop }]'), dataDir: null });
  await core.start();
  ({ app, base } = await listenHttp({ core, token: TOKEN }));
});
afterAll(async () => {
  await app.close();
  await core.stop();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const count = () =>
  (core.areas.db.prepare('SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM inbox) AS n').get() as { n: number }).n;
const ev = (o: Record<string, unknown> = {}) => ({
  source: 'ci',
  severity: 'warning',
  summary: 'Build agent disk 90%',
  labels: { alertname: 'AgentDisk', host: 'ci-3' },
  ...o,
});

describe('intake (R-ROUTE-1/2, R-SEC-1/2)', () => {
  it('R-ROUTE-2: a generic event is answered 202 with its id only once stored, then processed', async () => {
    const res = await post('/api/v1/events', ev());
    expect(res.status).toBe(202);
    const { accepted, ids } = (await res.json()) as { accepted: number; ids: string[] };
    expect(accepted).toBe(1);
    // Durably stored at the moment of the answer (in the intake inbox, before any processing is awaited).
    const batch = core.areas.db.prepare('SELECT events FROM inbox ORDER BY seq DESC LIMIT 1').get() as { events: string } | undefined;
    expect(inboxEvents(batch!.events)[0]).toMatchObject({ id: ids[0], source: 'ci' });
    await core.areas.router.drain();
    const row = core.areas.db.prepare('SELECT fingerprint, source FROM events WHERE id = ?').get(ids[0]) as {
      fingerprint: string;
      source: string;
    };
    expect(row.source).toBe('ci');
    const got = await core.call('events.get', { id: ids[0]! });
    expect(got).toMatchObject({ ok: true, value: { outcome: 'notified', labels: { alertname: 'AgentDisk', host: 'ci-3' } } });
  });

  it('R-ROUTE-1: the default fingerprint is a stable hash of the sorted labels; an explicit one is kept', async () => {
    const a = (await (
      await post('/api/v1/events', [
        ev({ labels: { b: '2', a: '1' } }),
        ev({ labels: { a: '1', b: '2' }, summary: 'other' }),
        ev({ fingerprint: 'mine' }),
      ])
    ).json()) as { ids: string[] };
    await core.areas.router.drain();
    const fps = a.ids.map(
      (id) => (core.areas.db.prepare('SELECT fingerprint FROM events WHERE id = ?').get(id) as { fingerprint: string }).fingerprint,
    );
    expect(fps[0]).toBe(fps[1]);
    expect(fps[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(fps[2]).toBe('mine');
  });

  it('R-SEC-2: a bad event gets 400 naming the field path, and an array is all-or-nothing', async () => {
    const before = count();
    const res = await post('/api/v1/events', [ev(), ev({ severity: 'urgent' })]);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/^1\.severity: /);
    const unknownField = await post('/api/v1/events', ev({ colour: 'red' }));
    expect(((await unknownField.json()) as { error: { message: string } }).error.message).toMatch(/colour/);
    expect(count()).toBe(before);
  });

  it('R-SEC-1: no or a wrong token is 401 and writes nothing', async () => {
    const before = count();
    expect((await post('/api/v1/events', ev(), { authorization: '' })).status).toBe(401);
    expect((await post('/api/v1/alerts/alertmanager', ev(), { authorization: 'Bearer nope' })).status).toBe(401);
    expect(count()).toBe(before);
  });

  it('R-SEC-2: over 1 MiB is 413, non-JSON is 415, broken JSON is 400; none writes anything', async () => {
    const before = count();
    const big = await post('/api/v1/events', ev({ description: 'x'.repeat(1_100_000) }));
    expect(big.status).toBe(413);
    expect((await post('/api/v1/events', 'source=ci', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('/api/v1/events', '{"source":')).status).toBe(400);
    expect((await post('/api/v1/events', [])).status).toBe(400);
    expect(count()).toBe(before);
  });

  it("R-ROUTE-1: the Alertmanager webhook (version 4) is accepted keeping Alertmanager's fingerprint", async () => {
    const payload = amWebhookBody();
    const res = await post('/api/v1/alerts/alertmanager', payload);
    expect(res.status).toBe(202);
    const { ids } = (await res.json()) as { ids: string[] };
    await core.areas.router.drain();
    const rows = ids.map((id) =>
      core.areas.db.prepare('SELECT fingerprint, severity, status, summary, source, ends_at FROM events WHERE id = ?').get(id),
    );
    expect(rows).toEqual([
      {
        fingerprint: 'a1b2c3d4e5f60718',
        severity: 'critical',
        status: 'firing',
        summary: 'p99 over 2s on api1',
        source: 'alertmanager',
        ends_at: null,
      },
      {
        fingerprint: '0011223344556677',
        severity: 'warning',
        status: 'resolved',
        summary: 'HighLatency',
        source: 'alertmanager',
        ends_at: Date.parse('2026-01-05T11:30:00Z'),
      },
    ]);
    const bad = await post('/api/v1/alerts/alertmanager', { ...payload, version: '3' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^version: /);
  });

  it("R-ROUTE-9: the Alertmanager webhook has the generic intake's limits (label size and count, alerts per request); refused small, nothing written", async () => {
    const am = (alerts: unknown[], over: Record<string, unknown> = {}) => ({
      version: '4',
      status: 'firing',
      receiver: 'vigil',
      alerts,
      ...over,
    });
    const alertOf = (i: number, labels: Record<string, string> = {}) => ({
      labels: { alertname: 'A', i: String(i), ...labels },
      annotations: {},
      fingerprint: `fp${i}`,
    });
    const before = count();
    const cases: Array<[string, unknown, RegExp]> = [
      ['a 900 KB label', am([alertOf(0, { big: 'x'.repeat(900_000) })]), /alerts\.0\.labels\.big: Too big/],
      ['65 labels', am([alertOf(0, Object.fromEntries(Array.from({ length: 65 }, (_, k) => [`l${k}`, 'v'])))]), /at most 64 labels/],
      [
        'a 25,000-character annotation',
        am([{ ...alertOf(0), annotations: { description: 'd'.repeat(25_000) } }]),
        /annotations\.description/,
      ],
      [
        '5,001 alerts in one request',
        am(Array.from({ length: 5001 }, (_, i) => ({ labels: { i: String(i) }, fingerprint: `f${i}` }))),
        /alerts: Too big/,
      ],
      ['a label named constructor', am([alertOf(0, { constructor: 'x' })]), /labels\.constructor: Invalid key/],
    ];
    for (const [what, body, says] of cases) {
      const res = await post('/api/v1/alerts/alertmanager', body);
      const text = await res.text();
      expect(res.status, what).toBe(400);
      expect(text.length, what).toBeLessThan(2000);
      expect(text, what).toMatch(says);
    }
    // POST /api/v2/alerts (what Prometheus sends an Alertmanager): the same limits.
    for (const body of [
      [{ labels: { alertname: 'A', big: 'x'.repeat(900_000) } }],
      [{ labels: Object.fromEntries(Array.from({ length: 65 }, (_, k) => [`l${k}`, 'v'])) }],
      Array.from({ length: 5001 }, (_, i) => ({ labels: { i: String(i) } })),
    ]) {
      const res = await post('/api/v2/alerts', body);
      expect(res.status).toBe(400);
      expect((await res.text()).length).toBeLessThan(2000);
    }
    // The generic intake: the same limits (it had no count limit before).
    const generic = await post('/api/v1/events', ev({ labels: Object.fromEntries(Array.from({ length: 65 }, (_, k) => [`l${k}`, 'v'])) }));
    expect(generic.status).toBe(400);
    expect(await generic.text()).toMatch(/at most 64 labels/);
    expect((await post('/api/v1/events', ev({ labels: { prototype: 'p' } }))).status).toBe(400);
    expect(count()).toBe(before);
  });

  it('R-SEC-2: a 1 MB batch of bad events gets a small error naming the first problems and how many more', async () => {
    const bad = Array.from({ length: 4900 }, () => ({ source: '', severity: 'loud', summary: '' }));
    const body = JSON.stringify(bad);
    expect(body.length).toBeGreaterThan(150_000);
    const res = await post('/api/v1/events', body);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text.length).toBeLessThan(2000);
    expect(text).toMatch(/and \d+ more problems/);
  });
});
