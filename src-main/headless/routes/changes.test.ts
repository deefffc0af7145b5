import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beforeText, changeLabel, type Change, type NearbyChange } from '../../../src-shared/api/changes';
import { createCore, type Core } from '../../core/app';
import { parseConfig } from '../../core/config';
import { listenHttp } from '../testing';

const TOKEN = 'changes-token-0123456789abcdefghijklmnop';
const HOOK = 'hook-secret-for-ci';
let core: Core;
let app: FastifyInstance;
let base = '';
beforeAll(async () => {
  const config = parseConfig('channels: [{ name: desktop, type: desktop }]\nchanges: { token: { secret: cd-hook } }');
  core = createCore({ config, dataDir: null, secrets: { get: (n) => (n === 'cd-hook' ? HOOK : undefined), names: () => ['cd-hook'] } });
  await core.start();
  ({ app, base } = await listenHttp({ core, token: TOKEN }));
});
afterAll(async () => {
  await app.close();
  await core.stop();
});

const post = (path: string, body: string | object, headers: Record<string, string> = {}) =>
  fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const auth = { authorization: `Bearer ${TOKEN}` };
const count = () => (core.areas.db.prepare('SELECT count(*) AS n FROM changes').get() as { n: number }).n;
const sign = (body: string) => createHmac('sha256', HOOK).update(body).digest('hex');
const call = async <T>(m: string, input: unknown): Promise<T> => {
  const r = await core.dispatch(m, input);
  if (!r.ok) throw new Error(`${m}: ${r.error.message}`);
  return r.value as T;
};

describe('changes intake (R-CHANGE-1, R-SEC-1/2)', () => {
  it('R-SEC-1/R-CHANGE-1: a change without the token, or with a wrong one or a bad signature, is refused with 401 and nothing is stored', async () => {
    const body = JSON.stringify({ kind: 'deploy', service: 'api', version: '1.4.2' });
    expect((await post('/api/v1/changes', body)).status).toBe(401);
    expect((await post('/api/v1/changes', body, { authorization: 'Bearer nope' })).status).toBe(401);
    expect(
      (await post('/api/v1/changes', body, { 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=' + 'ab'.repeat(32) })).status,
    ).toBe(401);
    expect((await post('/api/v1/changes', body, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong' })).status).toBe(401);
    expect(count()).toBe(0);
  });

  it('R-SEC-2: bad input is a 400 naming the field and stores nothing', async () => {
    const r = await post('/api/v1/changes', { kind: 'rollout', service: 'api' }, auth);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/kind/);
    const none = await post('/api/v1/changes', { kind: 'deploy' }, auth);
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/service or hosts/);
    expect((await post('/api/v1/changes', '{"kind":', auth)).status).toBe(400);
    expect(count()).toBe(0);
  });

  it('R-CHANGE-1: the JSON form and a plain curl form line are recorded and listed newest first', async () => {
    const r = await post(
      '/api/v1/changes',
      { kind: 'config', service: 'db', hosts: ['db1'], author: 'bob', summary: 'raise max_connections' },
      auth,
    );
    expect(r.status).toBe(201);
    const c = (await r.json()) as Change;
    expect(c).toMatchObject({ kind: 'config', service: 'db', hosts: ['db1'], author: 'bob', source: 'api' });
    const form = await fetch(`${base}/api/v1/changes`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth },
      body: 'kind=flag&service=checkout&host=web1&host=web2&version=new-cart-on&author=carol',
    });
    expect(form.status).toBe(201);
    expect(await form.json()).toMatchObject({
      kind: 'flag',
      service: 'checkout',
      hosts: ['web1', 'web2'],
      version: 'new-cart-on',
      source: 'curl',
    });
    const list = await call<{ items: Change[] }>('changes.list', { host: 'web2' });
    expect(list.items.map((i) => i.version)).toEqual(['new-cart-on']);
  });

  it('R-CHANGE-1: GitHub push (HMAC-signed), GitLab push (X-Gitlab-Token) and Gitea release payloads become changes; a redelivery records nothing new', async () => {
    const push = JSON.stringify({
      ref: 'refs/heads/main',
      after: '9f2c1e7d3b4a5c6d7e8f90112233445566778899',
      compare: 'https://github.com/acme/shop-api/compare/a...b',
      repository: { name: 'shop-api', full_name: 'acme/shop-api' },
      pusher: { name: 'alice' },
      head_commit: {
        id: '9f2c1e7d',
        message: 'Tune pool size\n\nlonger text',
        timestamp: '2026-12-02T01:00:00Z',
        author: { username: 'alice' },
        modified: ['src/pool.ts'],
      },
      commits: [{ id: '9f2c1e7d', modified: ['src/pool.ts'], removed: ['src/old.ts'] }],
    });
    const gh = { 'x-github-event': 'push', 'x-github-delivery': 'd-1', 'x-hub-signature-256': `sha256=${sign(push)}` };
    const r1 = await post('/api/v1/changes?service=api&hosts=web1,web2', push, gh);
    expect(r1.status).toBe(201);
    const c1 = (await r1.json()) as Change;
    expect(c1).toMatchObject({
      kind: 'deploy',
      service: 'api',
      hosts: ['web1', 'web2'],
      version: 'main',
      author: 'alice',
      source: 'github',
      hasDiff: true,
      summary: expect.stringMatching(/^Tune pool size/),
    });
    const again = await post('/api/v1/changes?service=api&hosts=web1,web2', push, gh);
    expect(((await again.json()) as Change).id).toBe(c1.id);
    expect((await call<{ diff: string }>('changes.get', { id: c1.id })).diff).toBe('deleted src/old.ts\nmodified src/pool.ts');

    const gl = JSON.stringify({
      object_kind: 'push',
      after: 'abc1234def',
      ref: 'refs/heads/release',
      user_username: 'dave',
      project: { name: 'billing', path_with_namespace: 'acme/billing' },
      commits: [],
    });
    const r2 = await post('/api/v1/changes?hosts=bill1', gl, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': HOOK });
    expect(await r2.json()).toMatchObject({ service: 'billing', hosts: ['bill1'], author: 'dave', commit: 'abc1234def', source: 'gitlab' });

    const rel = JSON.stringify({
      action: 'published',
      release: {
        tag_name: 'v2.0.0',
        html_url: 'https://gitea.example/acme/web/releases/v2.0.0',
        author: { login: 'erin' },
        body: 'Big release',
      },
      repository: { name: 'web' },
    });
    const r3 = await post('/api/v1/changes', rel, {
      'x-gitea-event': 'release',
      'x-github-event': 'release',
      'x-gitea-signature': sign(rel),
    });
    expect(await r3.json()).toMatchObject({
      service: 'web',
      version: 'v2.0.0',
      author: 'erin',
      source: 'gitea',
      link: 'https://gitea.example/acme/web/releases/v2.0.0',
    });

    const ping = await post('/api/v1/changes', '{"zen":"hi"}', {
      'x-github-event': 'ping',
      'x-hub-signature-256': `sha256=${sign('{"zen":"hi"}')}`,
    });
    expect(ping.status).toBe(202);
  });

  it('R-CHANGE-1: a change shortly before an alert on the same service is shown on it ("deploy api 1.4.2 by alice, 3 min before"); older or elsewhere is not', async () => {
    const fired = Date.now();
    await post('/api/v1/changes', { kind: 'deploy', service: 'api', version: '1.4.2', author: 'alice', at: fired - 3 * 60_000 }, auth);
    await post('/api/v1/changes', { kind: 'deploy', service: 'api', version: '1.4.1', author: 'alice', at: fired - 3 * 3_600_000 }, auth);
    await post('/api/v1/changes', { kind: 'deploy', service: 'search', version: '9.9', at: fired - 60_000 }, auth);
    await post('/api/v1/changes', { kind: 'manual', hosts: ['web7'], author: 'frank', summary: 'rebooted', at: fired - 10 * 60_000 }, auth);
    const ev = await post(
      '/api/v1/events',
      {
        source: 'prometheus',
        severity: 'critical',
        summary: 'api 5xx',
        labels: { alertname: 'Api5xx', service: 'api', instance: 'web7:9100' },
        startsAt: new Date(fired).toISOString(),
      },
      auth,
    );
    const { ids } = (await ev.json()) as { ids: string[] };
    let near: { items: NearbyChange[] } | null = null;
    for (let i = 0; i < 100 && !near; i++) {
      const r = await core.call('changes.near', { eventId: ids[0]! });
      if (r.ok) near = r.value as { items: NearbyChange[] };
      else await new Promise((res) => setTimeout(res, 50));
    }
    expect(near!.items.map((c) => `${changeLabel(c)}, ${beforeText(c.beforeMs)} (${c.matched})`)).toEqual([
      'deploy api 1.4.2 by alice, 3 min before (service)',
      'manual web7 by frank, 10 min before (host)',
    ]);
  });
});
