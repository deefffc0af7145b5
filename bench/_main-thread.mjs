// Preload (`--import`) for a server under a bench: records what held its main thread, written to $VIGIL_MAIN_LOG as
// JSON lines when the process exits: each GC pause (perf_hooks 'gc' entries; `--trace-gc` is refused in
// NODE_OPTIONS) and each stall of the event loop (a 2 ms timer that ran ≥ STALL_MS late: one long turn, or the
// thread waiting for a CPU). `at` is epoch ms (start of the pause or stall), `ms` its length.
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.env.VIGIL_MAIN_LOG;
const TICK_MS = 2;
const STALL_MS = 5;
if (file && isMainThread) {
  const kinds = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  const got = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      got.push({ at: performance.timeOrigin + e.startTime, ms: e.duration, kind: kinds[e.detail?.kind] ?? String(e.detail?.kind) });
  }).observe({ entryTypes: ['gc'] });
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last >= TICK_MS + STALL_MS) got.push({ at: performance.timeOrigin + last, ms: now - last - TICK_MS, kind: 'stall' });
    last = now;
  }, TICK_MS).unref();
  process.on('exit', () => writeFileSync(file, got.map((g) => JSON.stringify(g)).join('\n')));
}
