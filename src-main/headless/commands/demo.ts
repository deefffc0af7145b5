import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readServeInfo } from '../paths';
import type { Command } from './command';
import { serveCommand } from './serve';

const USAGE = 'vigil demo [--port N]';
/** Prometheus re-sends firing alerts; so does the simulated fleet, or Vigil would resolve them after their timeout. */
const RESEND_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real HTTP target for the demo's probe: up and down in turns, so the probe flaps. */
async function flappingTarget(periodMs = 8_000): Promise<{ url: string; server: Server }> {
  const started = Date.now();
  const server = createServer((_req, res) => {
    const up = Math.floor((Date.now() - started) / periodMs) % 2 === 0;
    res.writeHead(up ? 200 : 503, { 'content-type': 'text/plain' }).end(up ? 'ok' : 'upstream unavailable');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/healthz`, server };
}

const demoConfig = (probeUrl: string) =>
  [
    '# vigil demo: a throwaway data dir and a simulated fleet (deleted when the demo stops)',
    'channels: [ { name: desktop, type: desktop } ]',
    'routes: [ { channels: [desktop] } ]',
    'probes:',
    `  - { name: shop-frontend, type: http, url: "${probeUrl}", interval: 2s, timeout: 1s, failuresToAlert: 1, graceWindow: 0s,` +
      ' labels: { service: shop, team: web } }',
    '',
  ].join('\n');

interface Alert {
  name: string;
  severity: 'critical' | 'warning';
  instance: string;
  summary: string;
  labels?: Record<string, string>;
}

/**
 * The simulated fleet, through Vigil's real intake: Prometheus-style alerts at /api/v2/alerts (a NodeDiskFull
 * burst across hosts, latency after a deploy, a load spike that resolves), a deploy recorded before them, and a
 * plan waiting for approval. The flapping HTTP probe is a real probe against a real local server.
 */
async function simulate(base: string, token: string, stopped: () => boolean): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const rpc = (method: string, input: unknown) => post(`/api/rpc/${method}`, input);
  const started = new Date().toISOString();
  const alerts = (list: Alert[], resolved = false) =>
    post(
      '/api/v2/alerts',
      list.map((a) => ({
        labels: { alertname: a.name, severity: a.severity, instance: a.instance, job: 'node', ...a.labels },
        annotations: { summary: a.summary },
        startsAt: started,
        ...(resolved ? { endsAt: new Date().toISOString() } : {}),
        generatorURL: 'http://prometheus.demo:9090/graph',
      })),
    );
  await rpc('changes.add', {
    kind: 'deploy',
    service: 'checkout',
    hosts: ['web-1', 'web-2', 'web-3'],
    version: 'v2.14.0',
    author: 'ci',
    summary: 'checkout v2.14.0: new payment retry logic',
    // Deployed a few minutes before the alerts fire, so the Alerts page shows it as "what changed".
    at: Date.parse(started) - 3 * 60_000,
  });
  await sleep(1_500);
  const firing: Alert[] = [
    ...['node-01', 'node-02', 'node-03', 'node-04', 'node-05', 'node-06'].map((h) => ({
      name: 'NodeDiskFull',
      severity: 'critical' as const,
      instance: h,
      summary: `Disk /var on ${h} is 97% full`,
    })),
    {
      name: 'CheckoutLatencyHigh',
      severity: 'warning',
      instance: 'web-2',
      summary: 'checkout p99 latency 2.4 s since the v2.14.0 deploy',
      labels: { service: 'checkout' },
    },
  ];
  const spike: Alert = { name: 'HighLoad', severity: 'warning', instance: 'db-1', summary: 'Load average 24 on db-1' };
  await alerts([...firing, spike]);
  await rpc('plans.create', {
    title: 'Free disk space on node-03',
    source: 'demo',
    steps: [{ type: 'wait_for_approval', question: 'Rotate and compress /var/log on node-03? (the demo has no SSH hosts)' }],
  });
  await sleep(10_000);
  if (!stopped()) await alerts([spike], true);
  while (!stopped()) {
    await sleep(RESEND_MS);
    if (!stopped()) await alerts(firing);
  }
}

/** `vigil demo`: Vigil on a throwaway data dir with a simulated fleet, so every page is alive at once. */
export const demoCommand: Command = {
  name: 'demo',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { port: { type: 'string' } } });
    // Never the user's data dir: a fresh temporary one, removed when the demo stops.
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
    const target = await flappingTarget();
    const config = join(dataDir, 'vigil.yaml');
    writeFileSync(config, demoConfig(target.url));
    process.stdout.write(`Vigil demo: data in ${dataDir} (removed on exit); Ctrl-C stops it.\n`);
    let done = false;
    const serving = serveCommand.run(['--data-dir', dataDir, '--config', config, '--port', values.port ?? '0']);
    void (async () => {
      for (let i = 0; i < 200 && !done; i++) {
        const info = readServeInfo(dataDir);
        if (info) return simulate(info.url, process.env.VIGIL_TOKEN ?? readFileSync(join(dataDir, 'token'), 'utf8').trim(), () => done);
        await sleep(100);
      }
    })().catch((e: Error) => process.stderr.write(`demo fleet stopped: ${e.message}\n`));
    try {
      return await serving;
    } finally {
      done = true;
      target.server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
