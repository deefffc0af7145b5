import { readlinkSync, writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** How much lower than the main thread a bulk worker thread runs (nice steps; 19 is the floor). VIGIL_THREAD_NICE=0 compares. */
export const BULK_NICE = Number(process.env.VIGIL_THREAD_NICE ?? 10);

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
    setPriority(tid, Math.min(19, getPriority(tid) + steps));
  } catch {
    // no /proc, or not allowed: run at the process's priority
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
