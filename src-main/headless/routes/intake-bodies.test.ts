import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app';
import { parseConfig } from '../../core/config';
import { createLogger } from '../../core/log';
import { clientElsewhere, externalGrowthMb, listenHttp } from '../testing';
import { leanTaken } from './intake-lean';

const TOKEN = 'intake-bodies-token-0123456789abcdefghij';
const REQUESTS = 1_500;
let dir: string;
let core: Core;
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-intake-bodies-'));
  core = createCore({
    config: parseConfig('channels: [{ name: desktop, type: desktop }]'),
    dataDir: dir,
    watchConfig: false,
    log: createLogger(null),
    secrets: { get: () => undefined, names: () => [] },
    decider: 'worker',
  });
  await core.start();
  ({ app } = await listenHttp({ core, token: TOKEN }));
  port = (app.server.address() as { port: number }).port;
}, 60_000);
afterAll(async () => {
  await app?.close();
  await core?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 120_000); // stopping drains the decider: the storm's 30,000 alerts are decided first, slow on a loaded machine

/** A storm from another process: REQUESTS Alertmanager webhooks of 20 alerts, 8 at a time; the 202s it got. */
function storm(): Promise<number> {
  const script = `
    const http = require('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const body = (r) => JSON.stringify({ version: '4', groupKey: 'g', status: 'firing', receiver: 'vigil', groupLabels: {},
      commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', alerts: Array.from({ length: 20 }, (_, k) => ({
        status: 'firing', labels: { alertname: 'Bodies' + r, instance: 'host-' + k, severity: 'warning' },
        annotations: { summary: 'a body of the storm ' + 'x'.repeat(300) }, startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z', fingerprint: (r * 20 + k).toString(16).padStart(16, '0') })) });
    let next = 0, ok = 0;
    const post = () => new Promise((done) => {
      const b = body(next++);
      const req = http.request({ port: ${port}, method: 'POST', path: '/api/v1/alerts/alertmanager', agent,
        headers: { authorization: 'Bearer ${TOKEN}', 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) } },
        (res) => { res.resume(); res.on('end', () => { if (res.statusCode === 202) ok++; done(); }); });
      req.end(b);
    });
    const worker = async () => { while (next < ${REQUESTS}) await post(); };
    Promise.all(Array.from({ length: 8 }, worker)).then(() => { process.stdout.write(String(ok)); agent.destroy(); });`;
  return clientElsewhere(script).then(Number);
}

describe('intake bodies on the main thread (R-SCALE-42)', () => {
  it('R-SCALE-42: a storm’s bodies leave no external memory behind on the main thread: each is moved to the intake thread, its socket chunks freed once copied', async () => {
    const taken0 = leanTaken(app);
    const [accepted, growthMb] = await externalGrowthMb(storm);
    expect(accepted).toBe(REQUESTS);
    expect(leanTaken(app) - taken0).toBe(REQUESTS);
    console.log(
      `${REQUESTS} bodies (~${((REQUESTS * 20 * 480) / 1e6).toFixed(0)} MB): main-thread external memory peak growth ${growthMb.toFixed(1)} MB`,
    );
    expect(growthMb).toBeLessThan(3);
  }, 120_000);
});
