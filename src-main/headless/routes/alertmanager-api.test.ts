import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app';
import { parseConfig } from '../../core/config';
import { listenHttp } from '../testing';

const TOKEN = 'amapi-token-0123456789abcdefghijklmnop';
let core: Core;
let app: FastifyInstance;
let base = '';
beforeAll(async () => {
  core = createCore({
    config: parseConfig(`
channels: [{ name: desktop, type: desktop }, { name: ops, type: webhook, url: "http://127.0.0.1:9/hook" }]
routes:
  - { match: { team: db }, channels: [ops], groupBy: [alertname, cluster] }
  - { channels: [desktop] }
`),
    dataDir: null,
  });
  await core.start();
  ({ app, base } = await listenHttp({ core, token: TOKEN }));
});
afterAll(async () => {
  await app.close();
  await core.stop();
});

const req = (method: string, path: string, body?: unknown) =>
  fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const get = async <T>(path: string): Promise<T> => {
  const r = await req('GET', path);
  expect(r.status, await r.clone().text()).toBe(200);
  return (await r.json()) as T;
};
const postAlerts = async (alerts: unknown[]) => {
  const r = await req('POST', '/api/v2/alerts', alerts);
  expect(r.status, await r.clone().text()).toBe(200);
  await core.areas.router.drain();
};
type AmAlert = {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  generatorURL?: string;
  receivers: Array<{ name: string }>;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
  vigil: { severity: string; status: string; count: number };
};
type AmGroup = { labels: Record<string, string>; receiver: { name: string }; alerts: AmAlert[] };

describe('Alertmanager API v2 (R-ALERT-1/2/3)', () => {
  it("R-ALERT-1: startsAt, endsAt, generatorURL and annotations round-trip; the fingerprint is the label set's", async () => {
    const startsAt = '2026-01-05T10:00:00.000Z';
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    await postAlerts([
      {
        labels: { alertname: 'RoundTrip', instance: 'web1', severity: 'critical' },
        annotations: { summary: 'Round trip', runbook_url: 'https://runbooks.example/rt', dashboard_url: 'https://grafana.example/d/rt' },
        startsAt,
        endsAt,
        generatorURL: 'http://prometheus.example/graph?g0.expr=up',
      },
    ]);
    const [a] = await get<AmAlert[]>('/api/v2/alerts?filter=alertname%3D%22RoundTrip%22');
    expect(a).toMatchObject({
      labels: { alertname: 'RoundTrip', instance: 'web1', severity: 'critical' },
      annotations: { runbook_url: 'https://runbooks.example/rt', dashboard_url: 'https://grafana.example/d/rt' },
      startsAt,
      endsAt,
      generatorURL: 'http://prometheus.example/graph?g0.expr=up',
      receivers: [{ name: 'desktop' }],
      status: { state: 'active', silencedBy: [], inhibitedBy: [] },
      vigil: { severity: 'critical', status: 'firing', count: 1 },
    });
    expect(a!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    // An alert whose endsAt is now or earlier is resolved and leaves the list, as in Alertmanager.
    await postAlerts([
      {
        labels: { alertname: 'RoundTrip', instance: 'web1', severity: 'critical' },
        startsAt,
        endsAt: new Date(Date.now() - 1000).toISOString(),
      },
    ]);
    expect(await get<AmAlert[]>('/api/v2/alerts?filter=alertname%3D%22RoundTrip%22')).toEqual([]);
  });

  it("R-ALERT-2: a 200-alert burst is ONE group of 200 over the API, grouped by the route's groupBy", async () => {
    await postAlerts(
      Array.from({ length: 200 }, (_, i) => ({
        labels: { alertname: 'NodeClockSkew', instance: `host-${i}`, severity: 'warning' },
        annotations: { summary: 'clock skew' },
      })),
    );
    await postAlerts([
      { labels: { alertname: 'PgReplicaLag', cluster: 'c1', team: 'db', instance: 'pg1' } },
      { labels: { alertname: 'PgReplicaLag', cluster: 'c2', team: 'db', instance: 'pg2' } },
    ]);
    const groups = await get<AmGroup[]>('/api/v2/alerts/groups');
    const skew = groups.filter((g) => g.labels.alertname === 'NodeClockSkew');
    expect(skew).toHaveLength(1);
    expect(skew[0]).toMatchObject({ labels: { alertname: 'NodeClockSkew' }, receiver: { name: 'desktop' } });
    expect(skew[0]!.alerts).toHaveLength(200);
    const pg = groups.filter((g) => g.labels.alertname === 'PgReplicaLag');
    expect(pg.map((g) => [g.labels, g.receiver.name])).toEqual(
      expect.arrayContaining([
        [{ alertname: 'PgReplicaLag', cluster: 'c1' }, 'ops'],
        [{ alertname: 'PgReplicaLag', cluster: 'c2' }, 'ops'],
      ]),
    );
    const filtered = await get<AmAlert[]>('/api/v2/alerts?filter=alertname%3D~%22Node.%2A%22&filter=instance!~%22host-1.%2A%22');
    expect(filtered.length).toBe(200 - 111); // host-1, host-10..19, host-100..199 excluded
    expect(await get<AmAlert[]>('/api/v2/alerts?receiver=ops')).toHaveLength(2);
  });

  it('R-ALERT-3: a silence posted over the API suppresses firing alerts at once, counts them, and its expiry releases them', async () => {
    await postAlerts([{ labels: { alertname: 'DiskFull', instance: 'db1' } }, { labels: { alertname: 'DiskFull', instance: 'db2' } }]);
    const now = Date.now();
    const r = await req('POST', '/api/v2/silences', {
      matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      createdBy: 'alice',
      comment: 'disk swap',
    });
    expect(r.status).toBe(200);
    const { silenceID } = (await r.json()) as { silenceID: string };
    expect(silenceID).toMatch(/^[0-9a-f-]{36}$/);
    const disk = await get<AmAlert[]>('/api/v2/alerts?filter=alertname%3DDiskFull');
    expect(disk.map((a) => [a.status.state, a.status.silencedBy])).toEqual([
      ['suppressed', [silenceID]],
      ['suppressed', [silenceID]],
    ]);
    expect(await get<AmAlert[]>('/api/v2/alerts?filter=alertname%3DDiskFull&silenced=false')).toEqual([]);
    const sil = await get<{ id: string; status: { state: string }; matchers: unknown[]; vigil: { covers: number } }>(
      `/api/v2/silence/${silenceID}`,
    );
    expect(sil).toMatchObject({
      id: silenceID,
      status: { state: 'active' },
      matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }],
      vigil: { covers: 2 },
    });
    expect((await req('DELETE', `/api/v2/silence/${silenceID}`)).status).toBe(200);
    const after = await get<AmAlert[]>('/api/v2/alerts?filter=alertname%3DDiskFull');
    expect(after.map((a) => a.status.state)).toEqual(['active', 'active']);
    expect(
      (await get<Array<{ id: string; status: { state: string } }>>('/api/v2/silences')).find((s) => s.id === silenceID)!.status.state,
    ).toBe('expired');
  });

  it('R-SEC-2: a bad filter, a bad regex or a bad alert is a 400 naming it, and nothing is stored', async () => {
    const bad = await req('GET', '/api/v2/alerts?filter=alertname');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/filter\.0: bad matcher/);
    expect((await req('GET', '/api/v2/alerts?filter=a%3D~%22(%22')).status).toBe(400);
    const before = await get<AmAlert[]>('/api/v2/alerts');
    const r = await req('POST', '/api/v2/alerts', [{ labels: { alertname: 'Ok' } }, { labels: { 'bad-name': 'x' } }]);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/1\.labels/);
    await core.areas.router.drain();
    expect(await get<AmAlert[]>('/api/v2/alerts')).toHaveLength(before.length);
    expect((await fetch(`${base}/api/v2/alerts`)).status).toBe(401);
  });

  it("R-ALERT-2: status and receivers answer in Alertmanager's shape", async () => {
    const st = await get<{ cluster: { status: string }; versionInfo: { version: string }; config: { original: string }; uptime: string }>(
      '/api/v2/status',
    );
    expect(st.cluster.status).toBe('disabled');
    expect(st.config.original).toMatch(/receivers:/);
    expect(Date.parse(st.uptime)).toBeGreaterThan(0);
    expect(await get('/api/v2/receivers')).toEqual([{ name: 'desktop' }, { name: 'ops' }]);
  });
});
