import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { startAlertmanager } from '../e2e/fixtures/alertmanager';
import { removeDir, startVigil } from '../e2e/fixtures/serve';

/**
 * R-ALERT-2 benchmark: GET /api/v2/alerts and /api/v2/alerts/groups with
 * 10,000 firing alerts, `vigil serve` against a real Alertmanager 0.25
 * (Debian prometheus-alertmanager) holding the same alerts, same run, same
 * client (node:http, keep-alive, one request at a time). Prints the median
 * and p90 of each, the body size, and the ratio Alertmanager ÷ Vigil
 * (≥ 1× means Vigil is no slower). Needs `npm run build` first.
 */
const ALERTS = 10_000;
const NAMES = 50;
const RUNS = 15;
const WARMUP = 3;

interface Target {
  name: string;
  port: number;
  headers: Record<string, string>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function call(t: Target, method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...t.headers };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    const req = request({ host: '127.0.0.1', port: t.port, path, method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function alerts(): object[] {
  const now = Date.now();
  return Array.from({ length: ALERTS }, (_, i) => ({
    labels: {
      alertname: `BenchAlert${i % NAMES}`,
      instance: `host-${Math.floor(i / NAMES)}:9100`,
      job: 'node',
      severity: i % 7 === 0 ? 'critical' : 'warning',
    },
    annotations: { summary: `bench alert ${i}`, runbook_url: `https://runbooks.example/bench/${i % NAMES}` },
    startsAt: new Date(now - 60_000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
    generatorURL: `http://prometheus.example/graph?g0.expr=bench${i % NAMES}`,
  }));
}

async function load(t: Target, list: object[]): Promise<void> {
  for (let i = 0; i < list.length; i += 500) {
    const r = await call(t, 'POST', '/api/v2/alerts', JSON.stringify(list.slice(i, i + 500)));
    if (r.status >= 300) throw new Error(`${t.name} POST /api/v2/alerts: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  }
  const end = Date.now() + 120_000;
  for (;;) {
    const r = await call(t, 'GET', '/api/v2/alerts');
    const n = (JSON.parse(r.text) as unknown[]).length;
    if (n === ALERTS) return;
    if (Date.now() > end) throw new Error(`${t.name} holds ${n} alerts, not ${ALERTS}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `change` (untimed) runs before each GET: a re-sent alert, so no answer built before can be reused. */
async function measure(
  t: Target,
  path: string,
  change?: () => Promise<void>,
): Promise<{ p50: number; p90: number; bytes: number; items: number }> {
  const ms: number[] = [];
  let last = '';
  for (let i = 0; i < WARMUP + RUNS; i++) {
    if (change) await change();
    const t0 = performance.now();
    const r = await call(t, 'GET', path);
    const dt = performance.now() - t0;
    if (r.status !== 200) throw new Error(`${t.name} GET ${path}: HTTP ${r.status}`);
    if (i >= WARMUP) ms.push(dt);
    last = r.text;
  }
  ms.sort((a, b) => a - b);
  return {
    p50: ms[Math.floor(ms.length / 2)]!,
    p90: ms[Math.floor(ms.length * 0.9)]!,
    bytes: last.length,
    items: (JSON.parse(last) as unknown[]).length,
  };
}

export default async function bench(): Promise<void> {
  const vigil = await startVigil();
  const am = await startAlertmanager();
  try {
    const V: Target = { name: 'Vigil', port: Number(new URL(vigil.base).port), headers: { authorization: `Bearer ${vigil.token}` } };
    const A: Target = { name: 'Alertmanager 0.25', port: am.port, headers: {} };
    const list = alerts();
    await load(A, list);
    await load(V, list);
    console.log(
      `${ALERTS} firing alerts (${NAMES} alertnames × ${ALERTS / NAMES} instances) in each; ${RUNS} timed GETs after ${WARMUP} warm-up, one at a time, keep-alive`,
    );
    let k = 0;
    const resend = (t: Target) => async () => {
      const r = await call(t, 'POST', '/api/v2/alerts', JSON.stringify([list[k++ % ALERTS]]));
      if (r.status >= 300) throw new Error(`${t.name} re-send: HTTP ${r.status}`);
      if (t === V) await new Promise((r) => setTimeout(r, 20)); // let the router process it (Alertmanager stores on receipt)
    };
    for (const [path, cold] of [
      ['/api/v2/alerts', false],
      ['/api/v2/alerts/groups', false],
      ['/api/v2/alerts', true],
      ['/api/v2/alerts/groups', true],
    ] as const) {
      // Interleave the peers' runs so machine noise hits both alike.
      const a = await measure(A, path, cold ? resend(A) : undefined);
      const v = await measure(V, path, cold ? resend(V) : undefined);
      const a2 = await measure(A, path, cold ? resend(A) : undefined);
      const v2 = await measure(V, path, cold ? resend(V) : undefined);
      const am50 = Math.min(a.p50, a2.p50);
      const vi50 = Math.min(v.p50, v2.p50);
      console.log(`GET ${path}${cold ? ' after a re-sent alert each time (nothing reusable)' : ' (unchanged state, as dashboards poll)'}`);
      console.log(
        `  Alertmanager 0.25: p50 ${am50.toFixed(1)} ms, p90 ${Math.min(a.p90, a2.p90).toFixed(1)} ms, ${a.items} items, ${(a.bytes / 1e6).toFixed(1)} MB`,
      );
      console.log(
        `  Vigil:             p50 ${vi50.toFixed(1)} ms, p90 ${Math.min(v.p90, v2.p90).toFixed(1)} ms, ${v.items} items, ${(v.bytes / 1e6).toFixed(1)} MB`,
      );
      console.log(`  ratio (Alertmanager ÷ Vigil, p50): ${(am50 / vi50).toFixed(2)}×${cold ? '' : ' (target ≥ 1×)'}`);
    }
  } finally {
    agent.destroy();
    await am.stop();
    await vigil.stop();
    removeDir(vigil.dataDir);
  }
}
