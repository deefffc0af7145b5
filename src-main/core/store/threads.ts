import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BULK_NICE, startLowered } from './thread-priority';

/** One request to a worker thread and its answer, matched by id. */
export type ThreadRequest<Op extends string = string> = { id: number; op: Op } & Record<string, unknown>;
/** A failure carries the error's `code` (e.g. SQLITE_BUSY) across, so the main thread can answer by it. */
export type ThreadReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string; code?: string };

/** The failure reply for `e` (its message and, when it has one, its code). */
export function failedReply(id: number, e: unknown): ThreadReply {
  const code = (e as { code?: unknown }).code;
  return { id, ok: false, error: (e as Error).message, ...(typeof code === 'string' ? { code } : {}) };
}

/**
 * A worker's script: built next to the CLI (an electron-vite input named `built`), or the TypeScript
 * source `ts` in `dir` under tests and benchmarks, where a one-line CommonJS bootstrap registers tsx first.
 */
export function workerScript(dir: string, ts: string, built: string): { source: string; eval: boolean } | null {
  if (__filename.endsWith('.ts')) return { source: `require('tsx/cjs'); require(${JSON.stringify(join(dir, ts))});`, eval: true };
  for (const file of [join(dir, built), join(dir, '..', built)]) if (existsSync(file)) return { source: file, eval: false };
  return null;
}

/** Who waits for a request's answer. */
export type Waiter = { ok(v: unknown): void; fail(e: Error): void };

/**
 * A worker thread answering requests one at a time, in order; a crashed worker fails what it was asked. It runs `nice`
 * steps below the main thread from its first line (startLowered); its script lowers itself by the same steps.
 */
export function threadClient(script: { source: string; eval: boolean }, workerData: unknown, nice = BULK_NICE) {
  const worker = startLowered(() => new Worker(script.source, { workerData, eval: script.eval }), nice);
  worker.unref(); // work in flight never holds the process open at exit
  let next = 0;
  let dead: Error | null = null;
  const waiting = new Map<number, Waiter>();
  const settle = (r: ThreadReply) => {
    const w = waiting.get(r.id);
    waiting.delete(r.id);
    if (r.ok) w?.ok(r.value);
    else w?.fail(Object.assign(new Error(r.error), r.code ? { code: r.code } : {}));
  };
  // A thread may answer several requests in one message (the intake thread: a group commit's requests).
  worker.on('message', (r: ThreadReply | { replies: ThreadReply[] }) => {
    if ('replies' in r) for (const x of r.replies) settle(x);
    else settle(r);
  });
  const failAll = (e: Error) => {
    dead = e;
    for (const w of waiting.values()) w.fail(e);
    waiting.clear();
  };
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`worker thread exited (${code})`)));
  return {
    /** `transfer`: buffers moved to the thread instead of copied. */
    ask<T>(op: string, args: Record<string, unknown> = {}, transfer: ArrayBuffer[] = []): Promise<T> {
      if (dead) return Promise.reject(dead);
      return new Promise<T>((ok, fail) => {
        const id = ++next;
        waiting.set(id, { ok: ok as (v: unknown) => void, fail });
        worker.postMessage({ ...args, op, id }, transfer);
      });
    },
    /**
     * Several requests in one message of the caller's own shape (`fields`, e.g. one array per field with an entry per
     * request: cheaper to clone than an object per request), numbered `id` … `id + n - 1` (the message carries `id`
     * and `n`); each answer settles its waiter.
     */
    postRun(op: string, fields: Record<string, unknown>, waiters: Waiter[], transfer: ArrayBuffer[] = []): void {
      if (dead) return waiters.forEach((w) => w.fail(dead!));
      const id = next + 1;
      for (const w of waiters) waiting.set(++next, w);
      worker.postMessage({ ...fields, op, id, n: waiters.length }, transfer);
    },
    close: async (): Promise<void> => void (await worker.terminate()),
  };
}

/** What a worker's `handle` returns for a request it answers itself later (posting `{ replies: ThreadReply[] }`). */
export const ANSWERED_LATER = Symbol('answered later');

const TRANSFER = Symbol('transfer');
/** An answer whose buffers move to the asking thread instead of being copied into its heap (they are unusable here after). */
export type Transferred = { [TRANSFER]: ArrayBuffer[]; value: unknown };
export const transferred = (value: unknown, buffers: ArrayBuffer[]): Transferred => ({ [TRANSFER]: buffers, value });
const isTransferred = (v: unknown): v is Transferred => typeof v === 'object' && v !== null && TRANSFER in v;

/** The worker side: answer each request with `handle` (synchronous SQLite work on the thread's own connection). */
export function serveRequests(port: import('node:worker_threads').MessagePort, handle: (req: ThreadRequest) => unknown): void {
  const answer = (req: ThreadRequest): [ThreadReply, ArrayBuffer[]] | null => {
    try {
      const value = handle(req);
      if (value === ANSWERED_LATER) return null;
      if (isTransferred(value)) return [{ id: req.id, ok: true, value: value.value }, value[TRANSFER]];
      return [{ id: req.id, ok: true, value }, []];
    } catch (e) {
      return [failedReply(req.id, e), []];
    }
  };
  port.on('message', (req: ThreadRequest) => {
    const reply = answer(req);
    if (reply) port.postMessage(reply[0], reply[1]);
  });
}
