// `npm run bench -- health`: does /health stay fast while Vigil works hard (R-SEC-4, issue 17)?
// A separate prober process asks GET /health every 20 ms on a fresh connection (as a load balancer or
// systemd watchdog would) and records each answer's latency. Phase 1, idle: nothing else happens.
// Phase 2, loaded, all at once: a 50,000-alert storm (Alertmanager webhooks, 16 keep-alive connections,
// waited for until every alert is decided), a 1,000,000-row NDJSON export over HTTP (the smoke history
// export, the one export `vigil serve` streams), and 100 consoles connecting to the SSE stream.
// Target: loaded p99 ≤ 50 ms and ≤ 2× the idle p99. Needs `npx electron-vite build` first.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { removeDir, startVigil, type Served } from '../e2e/fixtures/serve';
import { createSmokeHistoryStore, openDatabase, type SmokeRowInput } from '../src-main/core/store';
import { SMOKE_CHECKS } from '../src-shared/api/smoke';
import { alerts, inboxDrained, load, processedCount, webhook, type Target } from './_router-http';

// BENCH_HEALTH_STORM=0 leaves the storm out, to see what the export and the SSE connects alone cost /health.
const STORM = Number(process.env.BENCH_HEALTH_STORM ?? 50_000);
const PER_REQUEST = 20;
const EXPORT_ROWS = Number(process.env.BENCH_HEALTH_EXPORT_ROWS ?? 1_000_000);
const SSE_CLIENTS = 100;
const IDLE_MS = 10_000;

/** The prober: plain Node in its own process, so the load generator's own work never delays a probe. */
const PROBER = `
const http = require('node:http');
const [host, port] = process.argv.slice(1);
const got = {}; let phase = 'idle'; let stop = false;
const at = {}; let since = Date.now();
process.stdin.on('data', (d) => { for (const l of d.toString().split('\\n').filter(Boolean)) l === 'end' ? (stop = true) : ((phase = l), (since = Date.now())); });
const probe = () => new Promise((ok) => {
  const t0 = process.hrtime.bigint();
  const req = http.get({ host, port, path: '/health', agent: false }, (res) => {
    res.resume();
    res.on('end', () => ok({ ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: res.statusCode === 200 }));
  });
  req.setTimeout(30000, () => req.destroy());
  req.on('error', () => ok({ ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: false }));
});
(async () => {
  while (!stop) {
    const p = phase; const t = Date.now() - since; const r = await probe();
    (got[p] ??= []).push(r.ok ? r.ms : -r.ms);
    (at[p] ??= []).push(t);
    await new Promise((r) => setTimeout(r, 20));
  }
  process.stdout.write(JSON.stringify({ got, at }));
})();
`;

type Probes = { got: Record<string, number[]>; at: Record<string, number[]> };

function startProber(vigil: Served): { proc: ChildProcess; phase(p: string): void; end(): Promise<Probes> } {
  const u = new URL(vigil.base);
  const proc = spawn(process.execPath, ['-e', PROBER, u.hostname, u.port], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    proc,
    phase: (p) => proc.stdin!.write(`${p}\n`),
    end: () =>
      new Promise((ok) => {
        proc.once('exit', () => ok(JSON.parse(out) as Probes));
        proc.stdin!.end('end\n');
      }),
  };
}

/** Smoke history rows through the real repository (rollup included), spread over the last 25 days (inside retention's 30). */
function seedSmoke(dataDir: string, n: number): number {
  const t0 = performance.now();
  const { db } = openDatabase(join(dataDir, 'vigil.db'));
  const store = createSmokeHistoryStore(db);
  const span = 25 * 86_400_000;
  const start = Date.now() - span;
  const statuses = ['ok', 'ok', 'ok', 'warning', 'critical'] as const;
  for (let done = 0; done < n; done += 20_000) {
    const rows: SmokeRowInput[] = [];
    for (let i = done; i < Math.min(n, done + 20_000); i++) {
      rows.push({
        at: start + Math.floor((i * span) / n),
        check: SMOKE_CHECKS[i % SMOKE_CHECKS.length]!,
        status: statuses[i % statuses.length]!,
        value: i % 7,
        reason: i % 5 ? 'within thresholds' : 'above the warning threshold for 5 minutes',
      });
    }
    store.insert(rows);
  }
  db.close();
  return performance.now() - t0;
}

/** Stream the whole export and count its lines; returns [rows, ms]. */
async function exportAll(vigil: Served): Promise<[number, number]> {
  const t0 = performance.now();
  const res = await vigil.api('/api/v1/smoke/history.ndjson');
  if (!res.ok || !res.body) throw new Error(`export: HTTP ${res.status}`);
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) for (const b of chunk) if (b === 10) lines++;
  return [lines, performance.now() - t0];
}

/** Open n SSE streams at once, each until its first event (the status snapshot); returns ms for all. */
async function sseConnects(vigil: Served, n: number): Promise<number> {
  const u = new URL(vigil.base);
  const t0 = performance.now();
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((ok, fail) => {
          const req = request(
            { host: u.hostname, port: u.port, path: '/api/stream', headers: { authorization: `Bearer ${vigil.token}` }, agent: false },
            (res) => {
              if (res.statusCode !== 200) return fail(new Error(`SSE: HTTP ${res.statusCode}`));
              res.once('data', () => {
                req.destroy();
                ok();
              });
            },
          );
          req.on('error', (e) => (req.destroyed ? ok() : fail(e)));
          req.end();
        }),
    ),
  );
  return performance.now() - t0;
}

async function storm(vigil: Served): Promise<[number, number]> {
  if (STORM === 0) return [0, 0];
  const u = new URL(vigil.base);
  const t: Target = {
    host: u.hostname,
    port: Number(u.port),
    path: '/api/v1/alerts/alertmanager',
    headers: { authorization: `Bearer ${vigil.token}` },
  };
  const before = await processedCount(vigil.base);
  const bodies = alerts(Date.now(), STORM / PER_REQUEST, PER_REQUEST).map(webhook);
  const t0 = performance.now();
  const acked = await load(t, bodies, 16);
  await inboxDrained(vigil.base, before + STORM, 600_000);
  return [acked, performance.now() - t0];
}

/** CPU seconds the server's main thread and its other threads have used (Linux /proc; null elsewhere). */
function threadCpu(pid: number): { main: number; others: number } | null {
  try {
    const out = { main: 0, others: 0 };
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      // utime and stime: fields 14 and 15, counted after the ')' that ends the thread's name.
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const s = (Number(f[11]) + Number(f[12])) / 100;
      if (Number(tid) === pid) out.main += s;
      else out.others += s;
    }
    return out;
  } catch {
    return null;
  }
}

const pct = (xs: number[], p: number): number => {
  const s = xs.map(Math.abs).sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** The server main thread's GC pauses inside [from, to] (epoch ms): count, sum, the longest. */
function printGc(file: string, [from, to]: [number, number]): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return console.log('GC on the main thread: not recorded');
  }
  const all = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { at: number; ms: number; kind: string });
  const inPhase = all.filter((g) => g.at >= from && g.at <= to);
  const sum = inPhase.reduce((a, g) => a + g.ms, 0);
  const longest = [...inPhase].sort((a, b) => b.ms - a.ms).slice(0, 5);
  console.log(
    `GC on the main thread in the loaded phase: ${inPhase.length} pauses, ${sum.toFixed(0)} ms in all; longest ` +
      longest.map((g) => `${g.ms.toFixed(0)} ms ${g.kind} at +${((g.at - from) / 1000).toFixed(1)} s`).join(', '),
  );
}

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-health-'));
  const dataDir = join(dir, 'data');
  writeFileSync(join(dir, 'vigil.yaml'), 'channels: [{ name: desktop, type: desktop }]\nroutes: [{ channels: [desktop] }]\n');
  // The schema comes from a first start; then the history is seeded with the server stopped.
  await (await startVigil({ dataDir, config: join(dir, 'vigil.yaml') })).stop();
  const seedMs = seedSmoke(dataDir, EXPORT_ROWS);
  console.log(`seeded ${EXPORT_ROWS.toLocaleString()} smoke history rows in ${(seedMs / 1000).toFixed(1)} s`);
  // BENCH_HEALTH_PROFILE=<dir>: the server writes a CPU profile there when it stops (what held its thread).
  const profile = process.env.BENCH_HEALTH_PROFILE;
  // The main thread's GC pauses are always recorded (bench/_gc-main.mjs) and summed for the loaded phase.
  const gcLog = join(dir, 'gc-main.jsonl');
  const preload = [join(__dirname, '_gc-main.mjs'), ...(profile ? [join(__dirname, '_cpu-profile.mjs')] : [])];
  const env: Record<string, string> = {
    NODE_OPTIONS: preload.map((f) => `--import ${f}`).join(' '),
    VIGIL_GC_LOG: gcLog,
    ...(profile ? { VIGIL_CPU_PROFILE_DIR: profile } : {}),
  };
  // BENCH_HEALTH_NODE_OPTIONS (e.g. --trace-gc) go to the server only; BENCH_HEALTH_SERVER_LOG=<file> keeps what it printed.
  if (process.env.BENCH_HEALTH_NODE_OPTIONS) env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} ${process.env.BENCH_HEALTH_NODE_OPTIONS}`.trim();
  const vigil = await startVigil({ dataDir, config: join(dir, 'vigil.yaml'), env });
  const prober = startProber(vigil);
  let gcWindow: [number, number] | null = null;
  try {
    await new Promise((r) => setTimeout(r, IDLE_MS));
    prober.phase('loaded');
    const t0 = performance.now();
    const wall0 = Date.now();
    const cpu0 = threadCpu(vigil.proc.pid!);
    const [[acked, stormMs], [rows, exportMs], sseMs] = await Promise.all([
      storm(vigil),
      exportAll(vigil),
      sseConnects(vigil, SSE_CLIENTS),
    ]);
    const loadedMs = performance.now() - t0;
    const wall1 = Date.now();
    const cpu1 = threadCpu(vigil.proc.pid!);
    const { got, at } = await prober.end();
    const idle = got.idle ?? [];
    const loaded = got.loaded ?? [];
    const failed = [...idle, ...loaded].filter((x) => x < 0).length;
    console.log(
      `load: storm ${STORM.toLocaleString()} alerts, 202s in ${(acked / 1000).toFixed(1)} s, all decided in ${(stormMs / 1000).toFixed(1)} s; ` +
        `export ${rows.toLocaleString()} rows in ${(exportMs / 1000).toFixed(1)} s; ${SSE_CLIENTS} SSE connects in ${(sseMs / 1000).toFixed(2)} s; ` +
        `loaded phase ${(loadedMs / 1000).toFixed(1)} s`,
    );
    // The main thread's CPU in the loaded phase: what /health waited behind, less noisy than latency on a shared machine.
    if (cpu0 && cpu1)
      console.log(
        `server CPU in the loaded phase: main thread ${(cpu1.main - cpu0.main).toFixed(1)} s, ` +
          `other threads ${(cpu1.others - cpu0.others).toFixed(1)} s (load average ${loadavg()[0]!.toFixed(1)})`,
      );
    gcWindow = [wall0, wall1];
    console.log(`\n| /health (fresh connection every 20 ms) | probes | p50 | p99 | max |`);
    console.log('|---|---|---|---|---|');
    for (const [name, xs] of [
      ['idle', idle],
      ['storm + export + 100 SSE connects', loaded],
    ] as const)
      console.log(
        `| ${name} | ${xs.length} | ${pct(xs, 50).toFixed(1)} ms | ${pct(xs, 99).toFixed(1)} ms | ${pct(xs, 100).toFixed(1)} ms |`,
      );
    // When the slowest loaded probes were sent (s into the phase): a stall at the start (SSE connects) or in the storm.
    const worst = loaded.map((ms, i) => [Math.abs(ms), at.loaded![i]! / 1000] as const).sort((a, b) => b[0] - a[0]);
    console.log(
      `slowest loaded probes: ${worst
        .slice(0, 8)
        .map(([ms, t]) => `${ms.toFixed(0)} ms at +${t.toFixed(1)} s`)
        .join(', ')}`,
    );
    const p99 = pct(loaded, 99);
    const ratio = p99 / pct(idle, 99);
    console.log(
      `\nloaded p99 ${p99.toFixed(1)} ms (target ≤ 50 ms: ${p99 <= 50 ? 'MET' : 'NOT met'}); ${ratio.toFixed(2)}× idle p99 ` +
        `(target ≤ 2×: ${ratio <= 2 ? 'MET' : 'NOT met'}); failed probes: ${failed}`,
    );
  } catch (e) {
    // A server that died mid-bench says why in its own output.
    if (vigil.proc.exitCode !== null || vigil.proc.signalCode !== null)
      console.error(`vigil serve exited:\n${vigil.output().slice(-4000)}`);
    throw e;
  } finally {
    if (prober.proc.exitCode === null) prober.proc.kill();
    await vigil.stop();
    if (gcWindow) printGc(gcLog, gcWindow);
    if (process.env.BENCH_HEALTH_SERVER_LOG) writeFileSync(process.env.BENCH_HEALTH_SERVER_LOG, vigil.output());
    removeDir(dir);
  }
}
