import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, getPriority, setPriority } from 'node:os';

/** How much lower than the main thread a bulk worker thread runs (nice steps; 19 is the floor). VIGIL_THREAD_NICE=0 compares. */
export const BULK_NICE = Number(process.env.VIGIL_THREAD_NICE ?? 10);
/** The intake thread's steps below the main thread (R-SCALE-30); VIGIL_INTAKE_NICE=0 compares. */
export const INTAKE_NICE = Number(process.env.VIGIL_INTAKE_NICE ?? BULK_NICE);
/** V8's platform threads' steps below the main thread (R-SCALE-30); VIGIL_V8_NICE=0 compares. */
export const V8_NICE = Number(process.env.VIGIL_V8_NICE ?? BULK_NICE);

/**
 * Lower the CPU priority of the calling worker thread (Linux: each thread has its own nice value, set by its
 * thread id, which /proc/thread-self names). Bulk work on other threads — deciding a storm, export chunks,
 * retention — then yields the CPU to the main thread whenever both want it, so /health and the console answer
 * while the machine is saturated (R-SCALE-13). Elsewhere, or if refused, nothing changes.
 */
export function lowerThreadPriority(steps = BULK_NICE): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!tid || tid === process.pid || steps <= 0) return; // never the main thread
    // Counted from the main thread's (process.pid names it), so a thread started lowered (startLowered) stays there.
    setPriority(tid, Math.min(19, getPriority(process.pid) + steps));
  } catch {
    // no /proc, or not allowed: run at the process's priority
  }
}

/**
 * Construct a worker thread with `start` and lower the new thread from the calling thread at once (Linux), before it
 * runs a line: Node creates the OS thread inside `new Worker`, and the thread then runs Node's bootstrap and loads its
 * script (the intake thread ~25 + ~50 ms of CPU, the reads thread ~25 + ~10) before its own lowerThreadPriority. The
 * intake and reads threads start on first use, which in a storm is its first body and the first export chunk, so that
 * start-up ran at the main thread's priority just when /health had most to wait for (R-SCALE-35). Lowered only when
 * exactly one thread appeared (any other count: which one is the worker's is unknown, so none is touched).
 */
export function startLowered<T>(start: () => T, steps = BULK_NICE): T {
  if (process.platform !== 'linux' || steps <= 0) return start();
  let before: Set<string> | null = null;
  try {
    before = new Set(readdirSync('/proc/self/task'));
  } catch {
    // no /proc: the thread lowers itself once it runs
  }
  const made = start();
  if (!before) return made;
  try {
    const fresh = readdirSync('/proc/self/task').filter((t) => !before.has(t));
    if (fresh.length === 1) setPriority(Number(fresh[0]), Math.min(19, getPriority(process.pid) + steps));
  } catch {
    // the thread lowers itself once it runs
  }
  return made;
}

/** How many worker threads V8's platform has: Node's `--v8-pool-size` (0: cores − 1, at least 1; not given: 4). */
export function v8PoolSize(argv = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]): number {
  const given = argv.map((a) => /^--v8-pool-size=(\d+)$/.exec(a)?.[1]).findLast((v) => v !== undefined);
  if (given === undefined) return 4;
  return Number(given) > 0 ? Number(given) : Math.max(1, availableParallelism() - 1);
}

/**
 * Lower V8's platform threads to the bulk threads' priority (R-SCALE-30). They run every isolate's GC helpers and
 * optimizing compiles — the niced decider's and export thread's included — and sat at the main thread's priority:
 * in `bench health` the main thread, woken for a probe, waited for a CPU behind them. The main thread's own GC still
 * progresses on the main thread when a helper is late. Linux, `vigil serve`'s main thread only (never Electron's:
 * Chromium's threads). Node starts the platform's threads first, in this order — its delayed-task thread and the pool
 * size's workers — then its signal thread and, for an ES module entry, libuv's pool, which does the main thread's
 * own file and crypto work and keeps its priority: the platform's are the process's lowest thread ids after the main
 * thread's. Returns the ids lowered.
 */
export function lowerV8PlatformThreads(steps = V8_NICE): number[] {
  if (process.platform !== 'linux' || process.versions.electron || steps <= 0) return [];
  try {
    if (readlinkSync('/proc/thread-self').split('/').pop() !== String(process.pid)) return []; // main thread only
    const tids = readdirSync('/proc/self/task')
      .map(Number)
      .filter((t) => t > process.pid) // thread ids wrapped past the maximum: which is which is unknown
      .sort((a, b) => a - b)
      .slice(0, 1 + v8PoolSize());
    for (const tid of tids) setPriority(tid, Math.min(19, getPriority(tid) + steps));
    return tids;
  } catch {
    return []; // no /proc, or not allowed: they keep the process's priority
  }
}

/**
 * Name the calling thread (Linux, at most 15 bytes: /proc/thread-self/comm), so `top -H`, `ps -L` and benches find
 * it among the process's threads (`bench router` reads the decider thread's own CPU time by this name).
 */
export function nameThread(name: string): void {
  if (process.platform !== 'linux') return;
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // no /proc: the thread keeps the process's name
  }
}
