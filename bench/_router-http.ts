import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execSync } from 'node:child_process';
import { startAlertmanager } from '../e2e/fixtures/alertmanager';
import { CLI, ROOT, removeDir, startVigil } from '../e2e/fixtures/serve';
import { DECIDER_THREAD_NAME } from '../src-main/core/decider';
import { labelFingerprint } from '../src-main/core/ingest';
import { SENDER_THREAD_NAME } from '../src-main/core/sender';

/** CLOCK_MONOTONIC in ms: the clock a V8 .cpuprofile's startTime and sample times count (in µs). */
export const monotonicMs = () => Number(process.hrtime.bigint() / 1000n) / 1000;

/**
 * CPU time (ms) a thread of process `pid` has used: utime + stime of /proc/<pid>/task/<tid>/stat (clock ticks of
 * 10 ms). On a shared, loaded machine a steadier per-request figure than wall time; the main thread's tid is the pid.
 */
function threadCpuMs(pid: number, tid = pid, only?: 'system'): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((only ? 0 : Number(f[11])) + Number(f[12])) * 10;
}
/** The decider thread's CPU time (ms; `system`: its kernel time alone, the WAL's writes and checkpoints): the thread the
 * worker names DECIDER_THREAD_NAME (NaN if there is none, e.g. inline). */
function deciderCpuMs(pid: number, only?: 'system'): number {
  for (const tid of readdirSync(`/proc/${pid}/task`))
    if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === DECIDER_THREAD_NAME) return threadCpuMs(pid, Number(tid), only);
  return NaN;
}
/** The decider thread's read and write system calls so far (/proc/<pid>/task/<tid>/io syscr, syscw): mostly its WAL
 * frames, the pages its checkpoints copy and its page-cache misses; exact, so load does not move them. */
function deciderIo(pid: number): { r: number; w: number } {
  for (const tid of readdirSync(`/proc/${pid}/task`))
    if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === DECIDER_THREAD_NAME) {
      const io = readFileSync(`/proc/${pid}/task/${tid}/io`, 'utf8');
      const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)?.[1] ?? NaN);
      return { r: field('syscr'), w: field('syscw') };
    }
  return { r: NaN, w: NaN };
}
/** Every thread's CPU time (ms) by tid, with its name (comm; the main thread is called main). */
function threadsCpuMs(pid: number): Map<number, { name: string; ms: number }> {
  const out = new Map<number, { name: string; ms: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      // Node's own threads are all "node": told apart by start order (tid - pid), V8's platform workers first.
      const name = tid === pid ? 'main' : comm === 'node' ? `node+${tid - pid}` : comm;
      out.set(tid, { name, ms: threadCpuMs(pid, tid) });
    } catch {
      // the thread ended
    }
  }
  return out;
}
/**
 * Where the process's CPU went between two snapshots, µs per request by thread name (Node's unnamed threads — V8's GC
 * and compiler helpers, libuv's pool — by start order), largest first.
 */
function threadsLine(a: ReturnType<typeof threadsCpuMs>, b: ReturnType<typeof threadsCpuMs>, requests: number): string {
  const by = new Map<string, number>();
  for (const [tid, t] of b) by.set(t.name, (by.get(t.name) ?? 0) + t.ms - (a.get(tid)?.ms ?? 0));
  return [...by]
    .filter(([, ms]) => ms > 0)
    .sort((x, y) => y[1] - x[1])
    .map(([name, ms]) => `${name} ${((ms * 1000) / requests).toFixed(0)}`)
    .join(', ');
}
/**
 * Where a named thread's time went (ms, 0s if there is no such thread): on a CPU, runnable but waiting for one (the
 * load and its nice value), from /proc/<pid>/task/<tid>/schedstat; the rest of the wall time it slept (a lock, the
 * write gate, nothing to do).
 */
function schedOf(pid: number, name: string): { cpu: number; queued: number } {
  for (const tid of readdirSync(`/proc/${pid}/task`))
    if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === name) {
      const [cpu, queued] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      return { cpu: cpu! / 1e6, queued: queued! / 1e6 };
    }
  return { cpu: 0, queued: 0 };
}
const THREADS = [DECIDER_THREAD_NAME, SENDER_THREAD_NAME];
/** "decider: CPU 3.1 s, waiting for a CPU 4.0 s, asleep 2.2 s" for each thread that exists, over `wallMs`. */
function threadTimes(before: ReturnType<typeof schedOf>[], after: ReturnType<typeof schedOf>[], wallMs: number): string {
  return THREADS.flatMap((name, i) => {
    const cpu = after[i]!.cpu - before[i]!.cpu;
    const queued = after[i]!.queued - before[i]!.queued;
    if (!after[i]!.cpu) return [];
    const s = (ms: number) => (ms / 1000).toFixed(2);
    return [`${name}: CPU ${s(cpu)} s, waiting for a CPU ${s(queued)} s, asleep ${s(wallMs - cpu - queued)} s`];
  }).join('; ');
}

/** The same for the whole process (every thread). */
const processCpuMs = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

export interface Target {
  host: string;
  port: number;
  path: string;
  headers: Record<string, string>;
}

/** POST every body with `concurrency` keep-alive connections; returns elapsed ms. Fails loudly on any non-2xx. */
export async function load(t: Target, bodies: string[], concurrency: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  // A keep-alive socket the server closed just as the request went out: sent again once on a new socket (Node's advice).
  const post = (body: string, again = true): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: t.host,
          port: t.port,
          path: t.path,
          method: 'POST',
          agent,
          headers: { ...t.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode! < 300 ? resolve() : reject(new Error(`${t.path}: HTTP ${res.statusCode}`))));
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) =>
        again && req.reusedSocket && e.code === 'ECONNRESET' ? post(body, false).then(resolve, reject) : reject(e),
      );
      req.end(body);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) await post(bodies[next++]!);
    }),
  );
  const ms = performance.now() - t0;
  agent.destroy();
  return ms;
}

/**
 * A webhook channel's far end that takes every message at once (200; `digest: 0`: a machine gets each one, R-NOTIFY-9), so
 * "outbox drained" means delivered:
 * `vigil serve`'s desktop channel stays pending until a console shows the notice.
 */
async function webhookSink(): Promise<{ url: string; received(): number; close(): Promise<void> }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => n,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** Ask the decider for its heap (bench/_decider-heap.cjs): "used 39.2 MB after a full GC (60.4 MB before it)". */
async function deciderHeap(file: string): Promise<string> {
  writeFileSync(file, '');
  for (let i = 0; i < 200 && !existsSync(`${file}.json`); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(`${file}.json`)) return 'no answer in 20 s';
  const h = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { before: number; used: number; total: number };
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  return `used ${mb(h.used)} after a full GC (${mb(h.before)} before it, heap ${mb(h.total)})`;
}

/** The router's default group window (the bench's vigil.yaml sets none): a group's update is queued when it closes. */
const GROUP_WINDOW_MS = 30_000;

/** Wait until Vigil's outbox has delivered the first round's notifications, so repeats are measured alone. */
async function outboxDrained(base: string, timeoutMs = 180_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const text = await (await fetch(`${base}/metrics`)).text();
    if (!/^vigil_outbox_pending\{[^}]*\} [1-9]/m.test(text)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log('    (outbox still draining after 180 s; measuring anyway)');
}

/** Events the router has processed so far (every result but 'rejected'), from Vigil's /metrics. */
export async function processedCount(base: string): Promise<number> {
  return processedIn(await (await fetch(`${base}/metrics`)).text());
}
/** The same, from a /metrics text. */
export function processedIn(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/^vigil_router_events_total\{([^}]*)\} (\d+)/gm))
    if (!m[1]!.includes('result="rejected"')) n += Number(m[2]);
  return n;
}

/** The router's results so far (vigil_router_events_total summed by result), from Vigil's /metrics. */
async function resultCounts(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^vigil_router_events_total\{([^}]*)\} (\d+)/gm)) {
    const r = /result="([^"]*)"/.exec(m[1]!)?.[1] ?? '?';
    out.set(r, (out.get(r) ?? 0) + Number(m[2]));
  }
  return out;
}

/**
 * Wait until the intake inbox is drained: every acknowledged alert so far (`expected`) processed. Each poll costs the
 * server's main thread ~0.5 ms of CPU (a /metrics text), which a storm's decider would rather have: polling every 20 ms
 * through a 60 s drain took ~1 ms of main-thread CPU per request of the round. So the next poll comes after half the
 * time the rate seen so far needs for what is left (20-500 ms): rare while much is left, every 20 ms near the end.
 */
export async function inboxDrained(base: string, expected: number, timeoutMs = 180_000, count = () => processedCount(base)): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = { n: await count(), t: performance.now() };
  while (last.n < expected) {
    if (Date.now() > end) throw new Error(`intake inbox not drained after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
    const now = { n: await count(), t: performance.now() };
    const perMs = (now.n - last.n) / (now.t - last.t);
    const wait = perMs > 0 ? Math.min(500, (expected - now.n) / perMs / 2) : 100;
    if (now.n < expected && wait > 20) await new Promise((r) => setTimeout(r, wait - 20));
    last = now;
  }
}

export function alerts(round: number, requests: number, perRequest: number) {
  return Array.from({ length: requests }, (_, r) =>
    Array.from({ length: perRequest }, (_, k) => ({
      labels: {
        alertname: `BenchAlert${Math.floor((r * perRequest + k) / 10)}`,
        instance: `host-${r * perRequest + k}`,
        round: String(round),
        severity: k % 10 === 0 ? 'critical' : 'warning',
      },
      annotations: { summary: `bench alert ${r * perRequest + k}` },
      startsAt: new Date().toISOString(),
      generatorURL: 'http://prometheus.local/graph',
    })),
  );
}

export const webhook = (batch: ReturnType<typeof alerts>[number]) =>
  JSON.stringify({
    version: '4',
    groupKey: '{}:{alertname="BenchAlert"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'vigil',
    groupLabels: { alertname: 'BenchAlert' },
    commonLabels: { alertname: 'BenchAlert' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.local',
    alerts: batch.map((a) => ({ ...a, status: 'firing', endsAt: '0001-01-01T00:00:00Z', fingerprint: labelFingerprint(a.labels, '') })),
  });

/**
 * (b) Alertmanager webhook ingest into `vigil serve` vs Alertmanager's own
 * POST /api/v2/alerts, same alerts, same client, same run. Alerts come from
 * many rules (10 instances per alertname): a single-alertname storm of this
 * size measures the burst stage's bookkeeping instead (see the report).
 */
/** (b) Alertmanager webhook ingest into `vigil serve` vs Alertmanager's own POST /api/v2/alerts, same alerts, same client, same run. */
/** BENCH_ROUTER_ROUNDS=0: round 0 alone (first deliveries; no wait for the group updates, no repeats), for A/B runs of it. */
const ROUNDS = Number(process.env.BENCH_ROUTER_ROUNDS ?? 3);
export async function benchHttp(
  requests = 1_500,
  perRequest = 20,
  concurrency = 16,
  rounds = ROUNDS,
): Promise<{ vigil: number; am: number }> {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
  void CLI;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const sink = await webhookSink();
  writeFileSync(
    join(dir, 'vigil.yaml'),
    `channels: [{ name: sink, type: webhook, url: "${sink.url}", digest: 0 }]\nroutes: [{ channels: [sink] }]\n`,
  );
  // BENCH_ROUTER_PROFILE=<dir>: the server writes CPU profiles of its main, decider and intake threads there when it stops;
  // with VIGIL_HEAP_PROFILE=1 also each thread's sampled allocations (.heapprofile; an optimized function's inlined
  // callees count as its own).
  const profile = process.env.BENCH_ROUTER_PROFILE;
  const env: Record<string, string> = profile
    ? { NODE_OPTIONS: `--import ${join(__dirname, '_cpu-profile.mjs')}`, VIGIL_CPU_PROFILE_DIR: profile }
    : {};
  // BENCH_ROUTER_HEAP=1: after round 0, the decider's live heap (a full GC on that thread; bench/_decider-heap.cjs).
  const heapFile = process.env.BENCH_ROUTER_HEAP ? join(dir, 'decider-heap') : null;
  if (heapFile) env.BENCH_DECIDER_HEAP = heapFile;
  const nodeArgs = heapFile ? ['--require', join(__dirname, '_decider-heap.cjs')] : [];
  const vigil = await startVigil({ dataDir: join(dir, 'data'), config: join(dir, 'vigil.yaml'), env, nodeArgs });
  const am = await startAlertmanager();
  const vu = new URL(vigil.base);
  const vt: Target = {
    host: vu.hostname,
    port: Number(vu.port),
    path: '/api/v1/alerts/alertmanager',
    headers: { authorization: `Bearer ${vigil.token}` },
  };
  const at: Target = { host: '127.0.0.1', port: am.port, path: '/api/v2/alerts', headers: {} };
  const vRates: number[] = [];
  const aRates: number[] = [];
  const pRates: number[] = [];
  const total = requests * perRequest;
  try {
    // Prometheus re-sends every firing alert each evaluation, and Alertmanager re-sends each group:
    // round 0 brings the alerts in (new: every one notifies), later rounds repeat them (the steady state).
    const batches = alerts(0, requests, perRequest);
    const amBodies = batches.map((b) => JSON.stringify(b));
    const vBodies = batches.map(webhook);
    // BENCH_ROUTER_WARM=1: first the same storm of other alerts (alertnames of their own: new incidents, not members of
    // round 0's), decided and sent, so round 0 runs on a warm process (V8 has compiled the hot code of every thread).
    if (process.env.BENCH_ROUTER_WARM) {
      const warm = alerts(0, requests, perRequest).map((b) =>
        b.map((a) => ({ ...a, labels: { ...a.labels, alertname: `Warm${a.labels.alertname}` } })),
      );
      const warmStart = performance.now();
      await load(vt, warm.map(webhook), concurrency);
      await inboxDrained(vigil.base, total);
      // Its group updates go out when the groups' windows close: before round 0, not during it.
      while (performance.now() < warmStart + GROUP_WINDOW_MS + 1_000) await new Promise((r) => setTimeout(r, 1_000));
      await outboxDrained(vigil.base);
      console.log(`    warm-up: ${total} other first deliveries decided and sent before round 0`);
    }
    const base = process.env.BENCH_ROUTER_WARM ? total : 0;
    let lastResults = process.env.BENCH_ROUTER_WARM ? await resultCounts(vigil.base) : new Map<string, number>();
    for (let round = 0; round <= rounds; round++) {
      const a = total / ((await load(at, amBodies, concurrency)) / 1000);
      const pid = vigil.proc.pid!;
      const cpu0 = [threadCpuMs(pid), processCpuMs(pid), deciderCpuMs(pid), deciderCpuMs(pid, 'system')];
      const io0 = deciderIo(pid);
      const threads0 = threadsCpuMs(pid);
      const sched0 = THREADS.map((name) => schedOf(pid, name));
      const t0 = performance.now();
      const roundStart = t0;
      const mStart = monotonicMs();
      const v = total / ((await load(vt, vBodies, concurrency)) / 1000);
      const t202 = performance.now();
      const m202 = monotonicMs();
      const cpu202 = [threadCpuMs(pid), processCpuMs(pid)];
      const threads202 = threadsCpuMs(pid);
      const sched202 = THREADS.map((name) => schedOf(pid, name));
      await inboxDrained(vigil.base, base + total * (round + 1));
      const tDone = performance.now();
      // Where this round lies in the server's .cpuprofile (its times are the same monotonic clock, in µs).
      if (profile || process.env.BENCH_ROUTER_WINDOWS)
        console.log(
          `    (profile window: round ${round} posted ${mStart.toFixed(0)}–${m202.toFixed(0)} ms, drained ${monotonicMs().toFixed(0)} ms)`,
        );
      const p = total / ((tDone - t0) / 1000);
      const cpuDone = [threadCpuMs(pid), processCpuMs(pid), deciderCpuMs(pid), deciderCpuMs(pid, 'system')];
      const ioDone = deciderIo(pid);
      const threadsDone = threadsCpuMs(pid);
      const schedDone = THREADS.map((name) => schedOf(pid, name));
      const results = await resultCounts(vigil.base);
      console.log(`    round ${round} results: ${[...results].map(([r, n]) => `${r} ${n - (lastResults.get(r) ?? 0)}`).join(', ')}`);
      lastResults = results;
      const perReq = (ms: number) => ((ms * 1000) / requests).toFixed(0);
      console.log(
        `    round ${round} CPU per request (${perRequest} alerts) until the last 202: main thread ${perReq(cpu202[0]! - cpu0[0]!)} µs, ` +
          `process ${perReq(cpu202[1]! - cpu0[1]!)} µs; until drained: main thread ${perReq(cpuDone[0]! - cpu0[0]!)} µs, process ${perReq(cpuDone[1]! - cpu0[1]!)} µs; ` +
          // The deciding pass's own cost (CPU, so the machine's load moves it less than wall time): ≤ 1e6 / Alertmanager's rate to keep up.
          `decider thread ${(((cpuDone[2]! - cpu0[2]!) * 1000) / total).toFixed(1)} µs an alert (${(((cpuDone[3]! - cpu0[3]!) * 1000) / total).toFixed(1)} system; ` +
          `${((ioDone.w - io0.w) / total).toFixed(2)} write and ${((ioDone.r - io0.r) / total).toFixed(2)} read system calls; ` +
          `Alertmanager's rate allows ${(1e6 / a).toFixed(1)})`,
      );
      console.log(
        `    round ${round} CPU µs per request by thread until the last 202: ${threadsLine(threads0, threads202, requests)}; ` +
          `until drained: ${threadsLine(threads0, threadsDone, requests)}`,
      );
      console.log(
        `    round ${round}${round === 0 ? ' (first delivery, all new, every alert notifies)' : ' (repeats)'}: 202s at ${v.toFixed(0)} alerts/s (${(v / a).toFixed(2)}× alertmanager ${a.toFixed(0)}); ` +
          `inbox drained ${((tDone - t202) / 1000).toFixed(2)} s after the last 202 → processed ${p.toFixed(0)} alerts/s end to end (${(p / a).toFixed(2)}×); ` +
          `webhook messages so far ${sink.received()}`,
      );
      // Whether the bulk threads work, wait for a CPU (load, nice) or sleep (the write lock, the gate) until drained.
      console.log(
        `    round ${round} until drained (${((tDone - t0) / 1000).toFixed(2)} s): ${threadTimes(sched0, schedDone, tDone - t0)}; ` +
          `after the last 202 (${((tDone - t202) / 1000).toFixed(2)} s): ${threadTimes(sched202, schedDone, tDone - t202)}`,
      );
      if (round > 0) pRates.push(p);
      if (round === 0) {
        console.log(
          `    first delivery (all new, every alert notifies): vigil ${v.toFixed(0)} alerts/s, alertmanager ${a.toFixed(0)} alerts/s (${(v / a).toFixed(2)}×)`,
        );
        const t0 = performance.now();
        await outboxDrained(vigil.base);
        const threadsSent = threadsCpuMs(pid);
        console.log(
          `    outbox: every queued notification delivered (${sink.received()} webhook messages) ${((performance.now() - t0) / 1000).toFixed(1)} s after the inbox drained`,
        );
        // The sends' whole cost (R-SCALE-34): every thread's CPU from the round's first request until the last message
        // went out, so a build that decides sooner is not credited with sends it has not made yet.
        console.log(
          `    round 0 CPU µs per request by thread until every message was sent (${sink.received()}): ${threadsLine(threads0, threadsSent, requests)}` +
            (profile || process.env.BENCH_ROUTER_WINDOWS ? ` (profile window: sent ${monotonicMs().toFixed(0)} ms)` : ''),
        );
        if (heapFile) console.log(`    round 0 decider heap (full GC, outbox drained): ${await deciderHeap(heapFile)}`);
        if (rounds === 0) break;
        // Each incident's group update (the 9 alerts that joined its first) is queued when its group window closes,
        // up to GROUP_WINDOW_MS after round 0 began: sent during the repeats, it took over half of their main thread.
        const updatesBy = roundStart + GROUP_WINDOW_MS + 1_000;
        for (let n = -1; n !== sink.received() || performance.now() < updatesBy;) {
          n = sink.received();
          await outboxDrained(vigil.base);
          await new Promise((r) => setTimeout(r, 1_000));
        }
        console.log(`    group updates: ${sink.received()} webhook messages in all before the repeats`);
        continue;
      }
      aRates.push(a);
      vRates.push(v);
    }
  } catch (e) {
    // A server that died mid-run shows up as ECONNREFUSED: say why it died.
    if (vigil.proc.exitCode !== null || vigil.proc.signalCode !== null) console.log(`vigil serve exited:\n${vigil.output().slice(-4000)}`);
    // An HTTP 500 says nothing: the server's own log does (its errors, before the data dir goes).
    const log = join(dir, 'data', 'logs', 'vigil.log');
    if (existsSync(log))
      console.log(
        `vigil.log errors:\n${readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => /"level":(50|60)/.test(l))
          .slice(-5)
          .join('\n')}`,
      );
    throw e;
  } finally {
    if (process.env.BENCH_ROUTER_LOG) {
      const lines = vigil
        .output()
        .split('\n')
        .filter((l) => /"level":(40|50|60)/.test(l));
      console.log(`    server warnings/errors: ${lines.length}\n${lines.slice(0, 15).join('\n').slice(0, 6000)}`);
    }
    await vigil.stop();
    await am.stop();
    await sink.close();
    removeDir(dir);
  }
  if (rounds === 0) return { vigil: NaN, am: NaN };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const v = median(vRates);
  const a = median(aRates);
  console.log(
    `(b) HTTP ingest, ${requests} requests × ${perRequest} alerts, ${concurrency} keep-alive connections; repeats, median of ${rounds} rounds`,
  );
  console.log(
    `    vigil serve POST /api/v1/alerts/alertmanager (durable, 202 after commit): ${v.toFixed(0)} alerts/s  [${vRates.map((x) => x.toFixed(0)).join(', ')}]`,
  );
  console.log(
    `    Alertmanager POST /api/v2/alerts (in memory):                         ${a.toFixed(0)} alerts/s  [${aRates.map((x) => x.toFixed(0)).join(', ')}]`,
  );
  console.log(`    ratio vigil/alertmanager: ${(v / a).toFixed(2)}× (target ≥ 2×)`);
  const p = median(pRates);
  console.log(
    `    drained (every repeat processed, measured from the first request): ${p.toFixed(0)} alerts/s  [${pRates.map((x) => x.toFixed(0)).join(', ')}] → ${(p / a).toFixed(2)}× alertmanager`,
  );
  // Same client, bodies and connections for both: its rate against Alertmanager bounds what it can offer Vigil.
  console.log(
    `    load client: sustained ${Math.max(...aRates).toFixed(0)} alerts/s (${(Math.max(...aRates) / perRequest).toFixed(0)} requests/s) against Alertmanager, so it does not limit Vigil's ${v.toFixed(0)}`,
  );
  return { vigil: v, am: a };
}
