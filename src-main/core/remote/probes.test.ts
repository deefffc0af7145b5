import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type SshdFixture } from '../../../e2e/fixtures/sshd';
import { FakeClock } from '../clock';
import { createPolicy } from './policy';
import { createSshProbes } from './probes';
import { remoteTestbed, type RemoteTestbed } from './testbed';

let sshd: SshdFixture;
let tb: RemoteTestbed;
let http: Server;
let healthStatus = 200;
let port = 0;
const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));

beforeAll(async () => {
  sshd = await startSshd();
  // The service's own health endpoint, only reachable from "inside" the host (loopback).
  http = createServer((req, res) => {
    res.writeHead(req.url === '/health' ? healthStatus : 404, { 'content-type': 'text/plain' });
    res.end(healthStatus === 200 ? 'ok' : 'db connection lost');
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  port = (http.address() as { port: number }).port;
  tb = remoteTestbed({
    hosts: [sshd.hostConfig('app1', { healthUrl: `http://127.0.0.1:${port}/health` })],
    config: {
      probes: [
        {
          name: 'nginx-active',
          type: 'ssh',
          host: 'app1',
          command: 'systemctl is-active dead-nginx',
          failuresToAlert: 2,
          graceWindow: '1m',
        },
      ],
    },
    clock,
  });
});
afterAll(async () => {
  await tb?.close();
  await sshd?.stop();
  await new Promise((r) => http?.close(r));
});

const probes = () =>
  createSshProbes({
    probes: tb.config.probes,
    hosts: tb.config.hosts,
    policy: createPolicy(),
    pool: tb.pool,
    repo: tb.hostRepo,
    clock,
    sink: (e) => tb.events.push(e),
    insideInterval: 60_000,
    timeoutMs: 10_000,
  });

describe('SSH probes', () => {
  it('R-PROBE-2: the host is checked from inside over SSH (local health URL) and the result is shown with the host', async () => {
    const p = probes();
    expect(await p.run('inside:app1')).toMatchObject({ ok: true, detail: 'ok' });
    expect(tb.hosts.list()[0]?.inside).toMatchObject({ status: 'ok', detail: 'ok' });
    healthStatus = 503;
    expect(await p.run('inside:app1')).toMatchObject({ ok: false, detail: expect.stringMatching(/exit 22.*503/) });
    expect(tb.hosts.list()[0]?.inside?.status).toBe('failing');
    clock.advance(120_000);
    await p.run('inside:app1');
    const ev = tb.events.find((e) => e.labels.alertname === 'InsideHealthFailed');
    expect(ev).toMatchObject({ source: 'probe', status: 'firing', severity: 'critical', labels: { host: 'app1', check: 'inside' } });
    healthStatus = 200;
    await p.run('inside:app1');
    expect(tb.events.filter((e) => e.fingerprint === 'probe:inside:app1').map((e) => e.status)).toEqual(['firing', 'resolved']);
  });

  it('R-PROBE-2: an ssh probe from config runs its allowlisted command and its confirmed failure becomes an event', async () => {
    const p = probes();
    expect(await p.run('nginx-active')).toMatchObject({ ok: false, detail: expect.stringMatching(/exit 3/) });
    expect(tb.events.some((e) => e.labels.probe === 'nginx-active')).toBe(false); // not confirmed yet (grace window)
    clock.advance(61_000);
    await p.run('nginx-active');
    expect(tb.events.find((e) => e.labels.probe === 'nginx-active')).toMatchObject({
      source: 'probe',
      status: 'firing',
      labels: { alertname: 'SshProbeFailed', check: 'ssh' },
    });
    expect(sshd.toolCalls()).toContain('systemctl is-active dead-nginx');
  });
});
