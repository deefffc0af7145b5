import { setFlagsFromString } from 'node:v8';
import type { Worker } from 'node:worker_threads';

/** The flag V8 reads when it sets up an isolate's heap: the young generation's first semi-space size (MB). */
const FLAG = 'min-semi-space-size';
/** Given on the command line or in NODE_OPTIONS: then it is the operator's, and left alone. */
const given = () => /min[-_]semi[-_]space[-_]size/.test([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '));
/** Workers setting up their isolates with the flag set: it is cleared when the last is online. */
let starting = 0;

/**
 * Start a worker whose young generation begins at `semiMb` per semi-space instead of V8's 1 MB. V8 doubles a
 * semi-space only after a scavenge that copied more than it holds, so a thread that decides a storm (a large,
 * short-lived working set) began round 0 with ~20 small scavenges at 1-16 MB, each copying the batch in flight and
 * promoting part of it (54 MB promoted, 2 mark-compacts in bench router's round 0): GC work that V8's shared platform
 * thread and the thread itself paid for. Node's `resourceLimits` set only the maximum, so the flag is set while the
 * worker sets up its isolate (on its own thread, before it is online) and cleared once it is online or gone; an
 * isolate another worker sets up in that window starts as large too (memory, nothing else). `semiMb` at or below 0,
 * or the flag given by the operator, leaves V8 alone.
 */
export function startWithYoung(semiMb: number, start: () => Worker): Worker {
  if (!(semiMb > 0) || given()) return start();
  let over = false;
  const done = () => {
    if (over) return;
    over = true;
    if (--starting === 0) setFlagsFromString(`--${FLAG}=0`);
  };
  if (starting++ === 0) setFlagsFromString(`--${FLAG}=${Math.floor(semiMb)}`);
  let w: Worker;
  try {
    w = start();
  } catch (e) {
    done();
    throw e;
  }
  w.once('online', done);
  w.once('exit', done); // after an error too (no 'error' listener here: the caller's decides what an error does)
  return w;
}
