import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRouter, failureReports } from '../router';
import { recordingOutbox, testContext, type TestContext } from '../router/testing';
import { createHttpProbe } from './http-probe';

/** A real HTTP target on loopback whose answer the test changes; `delayBy` moves the fake clock as if the answer took that long. */
let server: Server;
let url = '';
let status = 200;
let body = 'ok';
let onRequest: () => void = () => {};
beforeAll(async () => {
  server = createServer((_req, res) => {
    onRequest();
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
});
afterAll(() => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())));
let h: TestContext;
afterEach(() => {
  h?.close();
  status = 200;
  body = 'ok';
  onRequest = () => {};
});

function setup(extra = '') {
  h = testContext({
    yaml: `probes:\n  - { name: api, type: http, url: "${url}", ${extra.includes('interval') ? '' : 'interval: 30s,'} ${extra} }`,
  });
  const outbox = recordingOutbox(h.db);
  const router = createRouter(h.ctx, { outbox });
  const p = h.ctx.config.probes[0]!;
  if (p.type !== 'http') throw new Error('http probe expected');
  const probe = createHttpProbe(h.ctx, router, failureReports(h.ctx.log, router), p);
  const check = async (advanceMs: number) => {
    h.clock.advance(advanceMs);
    const tr = await probe.runOnce();
    await router.drain();
    return tr;
  };
  return { router, outbox, probe, check };
}

describe('HTTP probes (R-PROBE)', () => {
  it('R-PROBE-3: brief 502s during a rollout (shorter than the grace window) raise nothing', async () => {
    const { outbox, check } = setup();
    status = 502;
    for (let i = 0; i < 4; i++) expect(await check(30_000)).toEqual([]); // 4 failures over 90 s
    status = 200;
    expect(await check(30_000)).toEqual([]);
    expect(outbox.sent()).toHaveLength(0);
  });

  it('R-PROBE-3: a failure confirmed over the grace window (3 failures over 3 min) becomes critical; recovery resolves', async () => {
    const { router, outbox, probe, check } = setup();
    status = 502;
    expect(await check(0)).toEqual([]);
    expect(probe.tracker.nextDelay(30_000)).toBe(30_000);
    const seen: string[][] = [];
    for (let t = 30_000; t <= 180_000; t += 30_000) seen.push(await check(30_000));
    expect(seen.slice(0, 5)).toEqual([[], [], [], [], []]);
    expect(seen[5]).toEqual(['down']); // at 3:00
    const down = outbox.sent()[0]!.message;
    expect(down).toMatchObject({
      severity: 'critical',
      status: 'firing',
      title: expect.stringMatching(/Probe api is down: HTTP 502, expected 200/),
    });
    status = 200;
    expect(await check(30_000)).toEqual(['up']);
    expect(outbox.sent().map((s) => s.message.kind)).toEqual(['alert', 'resolved']);
    expect(router.states.get('probe:api:down')!.status).toBe('resolved');
  });

  it('R-PROBE-3: with a long interval, an unconfirmed failure is retried sooner so it is confirmed within the grace window', () => {
    const { probe } = setup('interval: 5m');
    probe.tracker.record({ ok: false, latencyMs: 0, error: 'x' }, 0);
    expect(probe.tracker.nextDelay(300_000)).toBe(60_000);
  });

  it('R-PROBE-1: a slow target is flagged as a warning saying probes belong on light /health endpoints, and cleared when fast', async () => {
    const { outbox, check } = setup('slowAfter: 1s');
    onRequest = () => h.clock.advance(1_500); // the answer "takes" 1.5 s of clock time
    expect(await check(0)).toEqual(['slow']);
    expect(outbox.sent()[0]!.message).toMatchObject({
      severity: 'warning',
      title: expect.stringMatching(/slow: 1500 ms.*light \/health endpoints/),
    });
    onRequest = () => {};
    expect(await check(30_000)).toEqual(['fast']);
  });

  it('R-PROBE-1: expected body and timeout are checked', async () => {
    const { probe, check } = setup('expectBody: "healthy", timeout: 2s, failuresToAlert: 1, graceWindow: 0');
    body = 'degraded';
    expect(await check(0)).toEqual(['down']);
    expect(probe.tracker.lastError).toMatch(/does not contain "healthy"/);
    body = 'healthy';
    expect(await check(1000)).toEqual(['up']);
    onRequest = () => h.clock.advance(2_500);
    expect(await check(1000)).toEqual(['down']);
    expect(probe.tracker.lastError).toMatch(/no answer within 2000 ms/);
  });
});
