import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { createCore } from '../src-main/core/app';
import { parseConfig } from '../src-main/core/config';
import { createLogger } from '../src-main/core/log';
import { createHttpServer } from '../src-main/headless/http';
import { alerts, webhook } from './_router-http';

/**
 * The main thread's CPU for the HTTP layer of an intake request (R-SCALE-29): the lean path before Fastify
 * (headless/routes/intake-lean.ts) against Fastify's route (the peer), in one process, alternated round by round.
 * The intake thread is left out (acceptRaw answers at once with a 20-id answer), so only what differs is measured:
 * HTTP parsing, routing, hooks, the token check, the body, the reply. The client runs on a worker thread; the main
 * thread's CPU comes from /proc (schedstat, ns), so the client's does not count. Bodies: bench router's 20-alert webhooks.
 */
const TOKEN = 'bench-intake-http-token-0123456789abcdef';
const cpuNs = () => Number(readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const { Agent, request } = require('node:http');
parentPort.on('message', ({ port, n }) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const { bodies, token } = workerData;
  let next = 0, done = 0;
  const post = () => {
    const body = bodies[next++ % bodies.length];
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/alerts/alertmanager', method: 'POST', agent,
      headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => { res.resume(); res.on('end', () => { if (res.statusCode !== 202) throw new Error('HTTP ' + res.statusCode);
        if (++done === n) { agent.destroy(); parentPort.postMessage('done'); } else if (next < n) post(); }); });
    req.end(body);
  };
  for (let i = 0; i < 16; i++) post();
});`;

export default async function bench(): Promise<void> {
  const requests = Number(process.env.BENCH_INTAKE_HTTP_REQUESTS ?? 3_000);
  const rounds = Number(process.env.BENCH_INTAKE_HTTP_ROUNDS ?? 8);
  const core = createCore({
    config: parseConfig('channels: [{ name: desktop, type: desktop }]'),
    dataDir: null,
    watchConfig: false,
    log: createLogger(null),
    secrets: { get: () => undefined, names: () => [] },
  });
  await core.start();
  const ids = Array.from({ length: 20 }, (_, i) => `"01JEXAMPLE${String(i).padStart(16, '0')}"`);
  const answer = `{"accepted":20,"ids":[${ids.join(',')}]}`;
  core.acceptRaw = async () => ({ seq: 1, answer });
  const servers = [];
  for (const lean of [false, true]) {
    const app = await createHttpServer({ core, token: TOKEN, leanIntake: lean });
    await app.listen({ host: '127.0.0.1', port: 0 });
    servers.push({
      name: lean ? 'lean path' : 'Fastify route',
      app,
      port: (app.server.address() as { port: number }).port,
      us: [] as number[],
    });
  }
  const bodies = alerts(0, 200, 20).map(webhook);
  const client = new Worker(CLIENT, { eval: true, workerData: { bodies, token: TOKEN } });
  const run = (port: number, n: number) =>
    new Promise<void>((done) => {
      client.once('message', () => done());
      client.postMessage({ port, n });
    });
  try {
    for (const s of servers) await run(s.port, requests); // warm-up: both compiled before measuring
    for (let r = 0; r < rounds; r++)
      for (const s of r % 2 ? [...servers].reverse() : servers) {
        const c0 = cpuNs();
        await run(s.port, requests);
        s.us.push((cpuNs() - c0) / 1000 / requests);
      }
  } finally {
    await client.terminate();
    for (const s of servers) await s.app.close();
    await core.stop();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `intake HTTP layer, main thread CPU µs per request (${requests} 20-alert webhooks a round, 16 keep-alive connections, load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}):`,
  );
  for (const s of servers)
    console.log(`  ${s.name.padEnd(14)} median ${median(s.us).toFixed(1)}  [${s.us.map((u) => u.toFixed(0)).join(', ')}]`);
  console.log(`  ratio lean path / Fastify route: ${(median(servers[1]!.us) / median(servers[0]!.us)).toFixed(2)}×`);
}
