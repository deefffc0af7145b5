// `npm run bench -- health`: does /health stay fast while Vigil works hard (R-SEC-4, issue 17)?
// A separate prober process asks GET /health every 20 ms on a fresh connection (as a load balancer or
// systemd watchdog would) and records each answer's latency. Phase 1, idle: nothing else happens (3 s of warm-up
// not counted, then 30 s; BENCH_HEALTH_IDLE_MS). Each phase's p99 is also given per 10 s window, to show its spread.
// Phase 2, loaded, all at once: a 50,000-alert storm (Alertmanager webhooks, 16 keep-alive connections,
// waited for until every alert is decided), a 1,000,000-row NDJSON export over HTTP (the smoke history
// export, the one export `vigil serve` streams), and 100 consoles connecting to the SSE stream.
// Target: loaded p99 ≤ 50 ms and ≤ 2× the idle p99. Needs `npx electron-vite build` first.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { removeDir, startVigil, type Served } from '../e2e/fixtures/serve';
import { createSmokeHistoryStore, openDatabase, type SmokeRowInput } from '../src-main/core/store';
import { SMOKE_CHECKS } from '../src-shared/api/smoke';
import {
  explainProbes,
  heldSummary,
  mainInFirst,
  readHeld,
  schedstat,
  SCHEDSTAT_JS,
  threadCpuLine,
  threadTimes,
  type Probe,
} from './_main-thread';
import { encodePosts, get, getText, rawLoad } from './_health-load';
import { alerts, inboxDrained, load, processedCount, processedIn, webhook, type Target } from './_router-http';

// BENCH_HEALTH_STORM=0 leaves the storm out, to see what the export and the SSE connects alone cost /health.
const STORM = Number(process.env.BENCH_HEALTH_STORM ?? 50_000);
const PER_REQUEST = 20;
const EXPORT_ROWS = Number(process.env.BENCH_HEALTH_EXPORT_ROWS ?? 1_000_000);
const SSE_CLIENTS = 100;
// The idle phase: probes from the same prober on the same path as the loaded phase, after a warm-up that is not
// counted (the first requests compile the route and the server finishes starting). 30 s gives ~1,400 probes, so its
// p99 is the ~14th slowest, not the 4th (10 s gave idle p99 3.4-14 ms run to run on the shared machine).
const WARMUP_MS = 3_000;
const IDLE_MS = Number(process.env.BENCH_HEALTH_IDLE_MS ?? 30_000);
const WINDOW_MS = 10_000;
/** The loaded phase's start, whose main-thread time is printed on its own. */
const FIRST_MS = 400;
const LOAD_NICE = Number(process.env.BENCH_HEALTH_LOAD_NICE ?? 0);

/**
 * The prober: plain Node in its own process, so the load generator's own work never delays a probe. Around each
 * probe it reads the server main thread's schedstat and its own (time on a CPU, time runnable but waiting for one).
 */
const PROBER = `
const http = require('node:http');
const [host, port, pid] = process.argv.slice(1);
const sched = ${SCHEDSTAT_JS};
const main = '/proc/' + pid + '/task/' + pid + '/schedstat';
const got = {}; let phase = 'warmup'; let stop = false;
process.stdin.on('data', (d) => { for (const l of d.toString().split('\\n').filter(Boolean)) l === 'end' ? (stop = true) : (phase = l); });
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
    const p = phase; const m0 = sched(main); const s0 = sched('/proc/thread-self/schedstat'); const at = Date.now();
    const r = await probe();
    const m1 = sched(main); const s1 = sched('/proc/thread-self/schedstat');
    (got[p] ??= []).push({ ms: r.ok ? r.ms : -r.ms, at, ran: m1[0] - m0[0], waited: m1[1] - m0[1], proberWaited: s1[1] - s0[1], mainAt: m0 });
    await new Promise((r) => setTimeout(r, 20));
  }
  process.stdout.write(JSON.stringify(got));
})();
`;

/** Each phase's probes; a failed probe's ms is negative. */
type Probes = Record<string, Probe[]>;

function startProber(vigil: Served): { proc: ChildProcess; phase(p: string): void; end(): Promise<Probes> } {
  const u = new URL(vigil.base);
  const proc = spawn(process.execPath, ['-e', PROBER, u.hostname, u.port, String(vigil.proc.pid)], { stdio: ['pipe', 'pipe', 'inherit'] });
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

/**
 * BENCH_HEALTH_LOAD=old: the load generator as it was before R-SCALE-47 (Node's http client for the storm with string
 * bodies, fetch and web streams for the export and the polls), for A/B runs of what it costs; the server is asked the same.
 */
const OLD_LOAD = process.env.BENCH_HEALTH_LOAD === 'old';

/** Stream the whole export and count its lines; returns [rows, ms]. */
async function exportAll(vigil: Served): Promise<[number, number]> {
  const t0 = performance.now();
  let lines = 0;
  // indexOf (memchr), not a loop over each byte in JS: the load generator shares the server's two cores.
  const count = (chunk: Uint8Array) => {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  };
  if (OLD_LOAD) {
    const res = await vigil.api('/api/v1/smoke/history.ndjson');
    if (!res.ok || !res.body) throw new Error(`export: HTTP ${res.status}`);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) count(chunk);
  } else {
    const status = await get(vigil.base, '/api/v1/smoke/history.ndjson', count, { token: vigil.token });
    if (status !== 200) throw new Error(`export: HTTP ${status}`);
  }
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

function stormTarget(vigil: Served): Target {
  const u = new URL(vigil.base);
  return {
    host: u.hostname,
    port: Number(u.port),
    path: '/api/v1/alerts/alertmanager',
    headers: { authorization: `Bearer ${vigil.token}` },
  };
}

/** The storm's webhooks (their bodies as text), each also as the whole request the raw client writes. */
function stormBodies(vigil: Served): { bodies: string[]; requests: Buffer[] } {
  if (STORM === 0) return { bodies: [], requests: [] };
  const bodies = alerts(Date.now(), STORM / PER_REQUEST, PER_REQUEST).map(webhook);
  return { bodies, requests: OLD_LOAD ? [] : encodePosts(stormTarget(vigil), bodies) };
}

async function storm(vigil: Served, { bodies, requests }: ReturnType<typeof stormBodies>): Promise<[number, number]> {
  if (STORM === 0) return [0, 0];
  // The drain's polls of /metrics on one keep-alive connection, as fetch's pool made them.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const count = OLD_LOAD ? undefined : async () => processedIn(await getText(vigil.base, '/metrics', agent));
  const before = await (count ?? (() => processedCount(vigil.base)))();
  const t0 = performance.now();
  const acked = OLD_LOAD ? await load(stormTarget(vigil), bodies, 16) : await rawLoad(stormTarget(vigil), requests, 16);
  await inboxDrained(vigil.base, before + STORM, 600_000, count);
  agent.destroy();
  return [acked, performance.now() - t0];
}

const pct = (xs: number[], p: number): number => {
  const s = xs.map(Math.abs).sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** Start `perf sched record -a` into file; returns its stop (SIGINT, then wait for it to write the file). */
async function startPerf(file: string | undefined): Promise<(() => Promise<void>) | null> {
  if (!file) return null;
  console.log(`perf sched record into ${file}`);
  const proc = spawn('perf', ['sched', 'record', '-k', 'mono', '-a', '-o', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  await new Promise((r) => setTimeout(r, 1000)); // perf opens its ring buffers before it records
  return () =>
    new Promise<void>((ok) => {
      proc.once('exit', () => ok());
      proc.kill('SIGINT');
    });
}

/**
 * BENCH_HEALTH_LOAD_PROFILE=<file>: a CPU profile of this process (the load generator) over the loaded phase, to see
 * what the load it stands in for costs the server's two cores. Returns its stop.
 */
function profileLoad(file: string | undefined): () => Promise<void> {
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  return () =>
    new Promise((ok) =>
      session.post('Profiler.stop', (err, res) => {
        if (!err) writeFileSync(file, JSON.stringify(res.profile));
        session.disconnect();
        ok();
      }),
    );
}

/** A phase's probe latencies cut into consecutive windows of WINDOW_MS (by send time; a last short window joins the one before). */
function windows(ps: Probe[]): number[][] {
  if (!ps.length) return [];
  const t0 = ps[0]!.at;
  const out: number[][] = [];
  for (const p of ps) (out[Math.floor((p.at - t0) / WINDOW_MS)] ??= []).push(p.ms);
  const dense = out.filter(Boolean);
  if (dense.length > 1 && dense.at(-1)!.length < dense[0]!.length / 2) dense.at(-2)!.push(...dense.pop()!);
  return dense;
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
  // The main thread's GC pauses and event-loop stalls are always recorded (bench/_main-thread.mjs).
  const mainLog = join(dir, 'main-thread.jsonl');
  const preload = [join(__dirname, '_main-thread.mjs'), ...(profile ? [join(__dirname, '_cpu-profile.mjs')] : [])];
  const env: Record<string, string> = {
    NODE_OPTIONS: preload.map((f) => `--import ${f}`).join(' '),
    VIGIL_MAIN_LOG: mainLog,
    ...(profile ? { VIGIL_CPU_PROFILE_DIR: profile } : {}),
  };
  // BENCH_HEALTH_NODE_OPTIONS (e.g. --trace-gc) go to the server only; BENCH_HEALTH_SERVER_LOG=<file> keeps what it printed.
  if (process.env.BENCH_HEALTH_NODE_OPTIONS) env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} ${process.env.BENCH_HEALTH_NODE_OPTIONS}`.trim();
  const vigil = await startVigil({ dataDir, config: join(dir, 'vigil.yaml'), env });
  const pid = vigil.proc.pid!;
  const prober = startProber(vigil);
  let idleProbes: Probe[] = [];
  let loaded: { window: [number, number]; probes: Probe[] } | null = null;
  try {
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    prober.phase('idle');
    await new Promise((r) => setTimeout(r, IDLE_MS));
    // BENCH_HEALTH_LOAD_NICE=<n>: this process (the storm's senders, the export's reader) runs n nice steps down in the
    // loaded phase, as if the load came from other machines; the prober and the server keep their priority.
    if (LOAD_NICE) setPriority(process.pid, LOAD_NICE);
    // The storm's bodies are made before the loaded phase: making 50,000 alerts took the load generator ~0.7 s of CPU
    // at the phase's start, on the server's two cores (the load itself is the same).
    const bodies = stormBodies(vigil);
    // BENCH_HEALTH_PERF=<file>: `perf sched record` of the whole machine in the loaded phase (who held the CPUs while
    // the main thread waited for one: bench/_sched-waits.mjs reads it).
    const perf = await startPerf(process.env.BENCH_HEALTH_PERF);
    if (perf) console.log(`server pid ${pid}, bench pid ${process.pid}, prober pid ${prober.proc.pid}`);
    prober.phase('loaded');
    const stopProfile = profileLoad(process.env.BENCH_HEALTH_LOAD_PROFILE);
    const t0 = performance.now();
    const wall0 = Date.now();
    const [threads0, sched0, own0, own0Threads] = [threadTimes(pid), schedstat(pid), process.cpuUsage(), threadTimes(process.pid)];
    const [[acked, stormMs], [rows, exportMs], sseMs] = await Promise.all([
      storm(vigil, bodies),
      exportAll(vigil),
      sseConnects(vigil, SSE_CLIENTS),
    ]);
    const loadedMs = performance.now() - t0;
    const wall1 = Date.now();
    const [threads1, sched1, own1] = [threadTimes(pid), schedstat(pid), process.cpuUsage(own0)];
    await perf?.();
    await stopProfile();
    const got = await prober.end();
    idleProbes = got.idle ?? [];
    const idle = idleProbes.map((p) => p.ms);
    loaded = { window: [wall0, wall1], probes: got.loaded ?? [] };
    const busy = loaded.probes.map((p) => p.ms);
    if (process.env.BENCH_HEALTH_PROBES) writeFileSync(process.env.BENCH_HEALTH_PROBES, JSON.stringify(got));
    const failed = [...idle, ...busy].filter((x) => x < 0).length;
    console.log(
      `load: storm ${STORM.toLocaleString()} alerts, 202s in ${(acked / 1000).toFixed(1)} s, all decided in ${(stormMs / 1000).toFixed(1)} s; ` +
        `export ${rows.toLocaleString()} rows in ${(exportMs / 1000).toFixed(1)} s; ${SSE_CLIENTS} SSE connects in ${(sseMs / 1000).toFixed(2)} s; ` +
        `loaded phase ${(loadedMs / 1000).toFixed(1)} s`,
    );
    // The threads' CPU in the loaded phase (what /health waited behind, less noisy than latency on a shared machine),
    // and the main thread's time runnable but without a CPU (contention with its own threads and the machine's load).
    console.log(
      `server CPU in the loaded phase (load average ${loadavg()[0]!.toFixed(1)}): ${threadCpuLine(pid, threads0, threads1)}; ` +
        `the load generator (this process) ${((own1.user + own1.system) / 1e6).toFixed(2)} s (user ${(own1.user / 1e6).toFixed(2)}, ` +
        `system ${(own1.system / 1e6).toFixed(2)}: ${threadCpuLine(process.pid, own0Threads, threadTimes(process.pid))})`,
    );
    if (sched0 && sched1)
      console.log(
        `main thread in the loaded phase: on a CPU ${((sched1.ran - sched0.ran) / 1000).toFixed(2)} s, ` +
          `runnable waiting for a CPU ${((sched1.waited - sched0.waited) / 1000).toFixed(2)} s ` +
          `(${((sched1.waited - sched0.waited) / (sched1.runs - sched0.runs)).toFixed(2)} ms a time over ${sched1.runs - sched0.runs} times)`,
      );
    // The storm's start (100 SSE connects, the export's first chunks, the first bodies, threads started on first use)
    // held the slowest probes: what the main thread ran and waited there, steadier than a p99 of a few probes.
    const start = mainInFirst(loaded.probes, FIRST_MS);
    if (start)
      console.log(
        `main thread in the loaded phase's first ${(start.span / 1000).toFixed(2)} s: on a CPU ${start.ran.toFixed(1)} ms, ` +
          `runnable waiting for a CPU ${start.waited.toFixed(1)} ms; slowest probe sent then ${start.slowest.toFixed(1)} ms`,
      );
    console.log(`\n| /health (fresh connection every 20 ms) | probes | p50 | p99 | max | p99 in each ${WINDOW_MS / 1000} s |`);
    console.log('|---|---|---|---|---|---|');
    for (const [name, ps] of [
      [`idle (${IDLE_MS / 1000} s after a ${WARMUP_MS / 1000} s warm-up)`, idleProbes],
      ['storm + export + 100 SSE connects', loaded.probes],
    ] as const) {
      const xs = ps.map((p) => p.ms);
      console.log(
        `| ${name} | ${xs.length} | ${pct(xs, 50).toFixed(1)} ms | ${pct(xs, 99).toFixed(1)} ms | ${pct(xs, 100).toFixed(1)} ms | ` +
          `${windows(ps)
            .map((w) => pct(w, 99).toFixed(1))
            .join(' / ')} ms |`,
      );
    }
    const p99 = pct(busy, 99);
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
    // The server writes its GC pauses and stalls when it exits: now the slow probes can be explained.
    if (loaded) {
      const held = readHeld(mainLog);
      if (held) console.log(heldSummary(held, loaded.window));
      console.log('slowest loaded probes (ms; s into the phase):');
      // With BENCH_HEALTH_PROFILE, what the main thread ran in each slow probe's time (and the 20 ms before it).
      const cpuProfile = profile ? join(profile, `${pid}.cpuprofile`) : undefined;
      for (const line of explainProbes(loaded.probes, held, loaded.window[0], 8, cpuProfile)) console.log(line);
      // What set the idle p99 too: the ratio is only as honest as its denominator.
      console.log('slowest idle probes (ms; s into the idle phase):');
      for (const line of explainProbes(idleProbes, held, idleProbes[0]?.at ?? 0, 5, cpuProfile)) console.log(line);
    }
    if (process.env.BENCH_HEALTH_SERVER_LOG) writeFileSync(process.env.BENCH_HEALTH_SERVER_LOG, vigil.output());
    removeDir(dir);
  }
}
