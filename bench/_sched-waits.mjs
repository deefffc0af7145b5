// Who held the CPU while the server's main thread waited for one (bench health, BENCH_HEALTH_PERF=<file>):
//   node bench/_sched-waits.mjs <perf.data> <server pid> [name=pid ...] [--long=<ms>]
// Reads `perf script` of a `perf sched record -a`: from the main thread's wake-up (sched_waking) or preemption until
// it runs again, the threads that ran on the CPU it was queued on (migrations followed) are charged that time.
// Only waits of at least --long ms (default 2) are charged: the long waits are what a slow probe waits through.
// Threads are named process:comm and nice (prio 120 = nice 0, 130 = nice 10); "other" is any other process.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const long = Number(process.argv.find((a) => a.startsWith('--long='))?.slice(7) ?? 2);
const [file, mainArg, ...named] = args;
const main = Number(mainArg);
const procs = new Map([[main, 'server'], ...named.map((n) => n.split('=')).map(([k, v]) => [Number(v), k])]);
const tgid = new Map(); // tid -> pid, learnt from each event's own task
const running = new Map(); // cpu -> { who, since }
let waiting = null; // { since, cpu, charged: Map }
const charged = new Map();
const waits = [];

const charge = (cpu, t) => {
  const r = running.get(cpu);
  if (!waiting || cpu !== waiting.cpu || !r) return;
  const from = Math.max(r.since, waiting.since);
  if (t > from) waiting.charged.set(r.who, (waiting.charged.get(r.who) ?? 0) + (t - from));
};
const queueOn = (cpu, t) => {
  if (waiting) charge(waiting.cpu, t);
  waiting ??= { since: t, cpu, charged: new Map() };
  waiting.cpu = cpu;
  const r = running.get(cpu);
  if (r) r.since = Math.max(r.since, t);
};

const perf = spawn('perf', ['script', '-i', file, '-F', 'pid,tid,cpu,time,event,trace'], { stdio: ['ignore', 'pipe', 'ignore'] });
const lines = createInterface({ input: perf.stdout });
lines.on('line', (l) => {
  const m = /^\s*(\d+)\/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:(\w+):\s+(.*)$/.exec(l);
  if (!m) return;
  tgid.set(Number(m[2]), Number(m[1]));
  const [cpu, t, ev, rest] = [Number(m[3]), Number(m[4]) * 1000, m[5], m[6]];
  if (ev === 'sched_switch') {
    const s = /prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+) next_prio=(\d+)/.exec(rest);
    if (!s) return;
    const [prev, state, next] = [Number(s[1]), s[2], Number(s[4])];
    charge(cpu, t);
    if (prev === main && state.startsWith('R')) queueOn(cpu, t); // preempted: runnable, waiting on this CPU
    if (next === main && waiting) {
      const ms = t - waiting.since;
      waits.push(ms);
      if (ms >= long) for (const [who, x] of waiting.charged) charged.set(who, (charged.get(who) ?? 0) + x);
      waiting = null;
    }
    running.set(cpu, { who: `${next}/${s[3]}/${s[5]}`, since: t });
  } else if (ev === 'sched_waking') {
    const w = /pid=(\d+) prio=\d+ target_cpu=(\d+)/.exec(rest);
    if (w && Number(w[1]) === main && !waiting) queueOn(Number(w[2]), t);
  } else if (ev === 'sched_migrate_task') {
    const w = /pid=(\d+) prio=\d+ orig_cpu=\d+ dest_cpu=(\d+)/.exec(rest);
    if (w && Number(w[1]) === main && waiting) queueOn(Number(w[2]), t);
  }
});
lines.on('close', () => {
  waits.sort((a, b) => a - b);
  const q = (p) => (waits[Math.min(waits.length - 1, Math.floor(p * waits.length))] ?? 0).toFixed(2);
  const longOnes = waits.filter((w) => w >= long);
  console.log(
    `main thread waited for a CPU ${waits.length} times, ${waits.reduce((a, b) => a + b, 0).toFixed(0)} ms in all ` +
      `(p50 ${q(0.5)}, p99 ${q(0.99)}, max ${q(1)} ms); ${longOnes.length} waits ≥ ${long} ms, ` +
      `${longOnes.reduce((a, b) => a + b, 0).toFixed(0)} ms, behind:`,
  );
  const byThread = new Map();
  for (const [who, ms] of charged) {
    const [tid, comm, prio] = who.split('/');
    const owner = procs.get(tgid.get(Number(tid))) ?? (Number(tid) === 0 ? 'idle' : 'other');
    const nice = Number(prio) - 120;
    const key = `${owner}:${Number(tid) === main ? 'main' : comm} (nice ${Number.isNaN(nice) ? '?' : nice})`;
    byThread.set(key, (byThread.get(key) ?? 0) + ms);
  }
  for (const [k, ms] of [...byThread].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${ms.toFixed(0).padStart(6)} ms ${k}`);
});
