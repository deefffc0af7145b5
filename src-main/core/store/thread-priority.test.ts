import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { openDatabase } from './db';
import { sqliteStores } from './stores';
import { threadClient } from './threads';

/** Each thread of this process and its nice value (Linux /proc: field 19 of its stat line). */
const niceByThread = (): Map<number, number> =>
  new Map(
    readdirSync('/proc/self/task').map((tid) => {
      const f = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return [Number(tid), Number(f[16])];
    }),
  );

describe('bulk threads give way to the main thread for the CPU (R-SCALE-13)', () => {
  it.runIf(process.platform === 'linux')(
    'R-SCALE-13: the decider thread (named vigil-decider) runs 10 nice steps below the main thread; the main thread keeps its priority',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-nice-'));
      const before = niceByThread().get(process.pid)!;
      const core = createCore({
        config: parseConfig('channels: [{ name: desktop, type: desktop }]'),
        dataDir: dir,
        log: createLogger(null),
        secrets: { get: () => undefined, names: () => [] },
        decider: 'worker',
      });
      try {
        await core.start();
        await core.areas.router.drain(); // answered by the decider thread once it runs (start waits only for a replay)
        const nice = niceByThread();
        expect(nice.get(process.pid)).toBe(before);
        const lowered = [...nice].filter(([tid, n]) => tid !== process.pid && n === Math.min(19, before + 10));
        expect(lowered.length).toBeGreaterThanOrEqual(1); // before: every thread at the process's priority
        // It is named, so `ps -L`, `top -H` and bench router (its CPU time an alert) tell it from the others.
        const named = [...nice].filter(([tid]) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'vigil-decider');
        expect(named).toEqual([[expect.any(Number), Math.min(19, before + 10)]]);
      } finally {
        await core.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

describe('the intake thread gives way to the main thread too (R-SCALE-30)', () => {
  it.runIf(process.platform === 'linux')(
    'R-SCALE-30: the intake thread (named vigil-intake) runs 10 nice steps below the main thread',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-nice-intake-'));
      const file = join(dir, 'vigil.db');
      const { db } = openDatabase(file);
      const stores = sqliteStores(db, file);
      const before = niceByThread().get(process.pid)!;
      try {
        const event = { id: 'a', source: 'api', fingerprint: 'a', severity: 'warning', status: 'firing', summary: 'a', labels: {} };
        await stores.intake.append(1, 'POST /x', 1, JSON.stringify([event])); // the thread starts on first use
        const nice = niceByThread();
        expect(nice.get(process.pid)).toBe(before);
        const intake = [...nice].filter(([tid]) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'vigil-intake');
        expect(intake).toEqual([[expect.any(Number), Math.min(19, before + 10)]]); // before: the process's priority
      } finally {
        await stores.intake.close();
        stores.inbox.close();
        db.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

/** A child started like `vigil serve` (an ES module entry, `--v8-pool-size=0`) lowers V8's platform threads, then works both pools. */
const CHILD = (module: string) => `
import { pbkdf2 } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
const { lowerV8PlatformThreads } = await import(${JSON.stringify(module)});
const lowered = lowerV8PlatformThreads();
const cpuMs = (tid) => Number(readFileSync('/proc/self/task/' + tid + '/schedstat', 'utf8').split(' ')[0]) / 1e6;
const before = new Map(readdirSync('/proc/self/task').map((t) => [Number(t), cpuMs(t)]));
// libuv's pool: the main thread's own crypto and file work.
await Promise.all(Array.from({ length: 4 }, () => new Promise((ok) => pbkdf2('pw', 'salt', 200000, 32, 'sha256', ok))));
// V8's platform: concurrent marking and parallel scavenges of a growing heap.
const keep = [];
for (let i = 0; i < 3e6; i++) keep.push({ i, s: 'x' + i });
const threads = readdirSync('/proc/self/task').map((t) => {
  const f = readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ');
  return { tid: Number(t), nice: Number(f[16]), ms: cpuMs(t) - (before.get(Number(t)) ?? 0) };
});
process.stdout.write(JSON.stringify({ pid: process.pid, lowered, threads, kept: keep.length }));
`;

describe("V8's platform threads give way to the main thread too (R-SCALE-30)", () => {
  it.runIf(process.platform === 'linux')(
    "R-SCALE-30: in a process started like vigil serve, the threads lowered are V8's platform threads (the GC's helpers), not libuv's pool",
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-v8-nice-'));
      try {
        const file = join(dir, 'child.mjs');
        writeFileSync(file, CHILD(join(__dirname, 'thread-priority.ts')));
        const env = { ...process.env, NODE_OPTIONS: '' };
        const out = execFileSync(process.execPath, ['--v8-pool-size=0', '--import', 'tsx', file], { env, encoding: 'utf8' });
        const { pid, lowered, threads } = JSON.parse(out) as {
          pid: number;
          lowered: number[];
          threads: { tid: number; nice: number; ms: number }[];
        };
        const base = threads.find((t) => t.tid === pid)!.nice;
        // The delayed-task thread and one worker on two cores (cores − 1, at least 1).
        expect(lowered.length).toBe(1 + Math.max(1, availableParallelism() - 1));
        for (const t of threads) expect(t.nice, `thread ${t.tid}`).toBe(lowered.includes(t.tid) ? Math.min(19, base + 10) : base);
        const busy = (ts: typeof threads) => ts.filter((t) => t.tid !== pid).reduce((a, t) => a + t.ms, 0);
        // The pool's hashing (~4 × 100 ms) ran on threads left at the process's priority; the GC helpers' work on lowered ones.
        expect(busy(threads.filter((t) => !lowered.includes(t.tid)))).toBeGreaterThan(100);
        expect(busy(threads.filter((t) => lowered.includes(t.tid)))).toBeGreaterThan(5);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

/** A worker whose first line notes its own nice value (os.getPriority(0): the calling thread on Linux), then answers it. */
const FIRST_LINE = `
const first = require('node:os').getPriority(0);
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (r) => parentPort.postMessage({ id: r.id, ok: true, value: first }));
`;

describe('a worker thread is lowered before it runs a line (R-SCALE-35)', () => {
  it.runIf(process.platform === 'linux')(
    'R-SCALE-35: a thread started by threadClient (the intake and reads threads, started by a storm) already runs 10 nice steps below the main thread at its first line',
    async () => {
      const main = niceByThread().get(process.pid)!;
      const client = threadClient({ source: FIRST_LINE, eval: true }, null);
      try {
        // Before: the main thread's priority (a new thread inherits it) until the script lowered itself, so Node's
        // bootstrap and the loading of the script (~75 ms of CPU for the intake thread) competed with /health.
        expect(await client.ask<number>('first')).toBe(Math.min(19, main + 10));
        expect(niceByThread().get(process.pid)).toBe(main);
      } finally {
        await client.close();
      }
    },
    60_000,
  );

  it.runIf(process.platform === 'linux')(
    'R-SCALE-35: a thread that lowers itself too stays at 10 steps below the main thread, not 20',
    async () => {
      const main = niceByThread().get(process.pid)!;
      const client = threadClient({ source: `${LOWERS_ITSELF(join(__dirname, 'thread-priority.ts'))}`, eval: true }, null);
      try {
        expect(await client.ask<number>('now')).toBe(Math.min(19, main + 10));
      } finally {
        await client.close();
      }
    },
  );
});

/** A worker that lowers itself as every worker script does, then answers its nice value. */
const LOWERS_ITSELF = (module: string) => `
require('tsx/cjs');
require(${JSON.stringify(module)}).lowerThreadPriority();
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (r) => parentPort.postMessage({ id: r.id, ok: true, value: require('node:os').getPriority(0) }));
`;
