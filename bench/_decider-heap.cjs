/* eslint-disable @typescript-eslint/no-require-imports -- preloaded with --require, so CommonJS (an --import preload does not run in workers) */
// bench router (BENCH_ROUTER_HEAP=1): preloaded into `vigil serve` (--require), it runs in every thread but acts only in
// the decider's. When the bench creates the file named by BENCH_DECIDER_HEAP, the decider (between batches) runs a full
// GC and writes its heap figures next to it (`<file>.json`): its live heap, what a storm left it holding.
const { isMainThread } = require('node:worker_threads');
if (!isMainThread && process.env.BENCH_DECIDER_HEAP) {
  const { existsSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
  const { getHeapStatistics, setFlagsFromString } = require('node:v8');
  const { runInNewContext } = require('node:vm');
  const file = process.env.BENCH_DECIDER_HEAP;
  const timer = setInterval(() => {
    // Asked each time: a thread names itself once it has started.
    if (readFileSync('/proc/thread-self/comm', 'utf8').trim() !== 'vigil-decider') return;
    if (!existsSync(file) || existsSync(`${file}.json`)) return;
    const before = getHeapStatistics().used_heap_size;
    setFlagsFromString('--expose-gc');
    runInNewContext('gc')();
    const h = getHeapStatistics();
    // Whole or not at all for the bench, which waits for the name.
    writeFileSync(`${file}.part`, JSON.stringify({ before, used: h.used_heap_size, total: h.total_heap_size }));
    renameSync(`${file}.part`, `${file}.json`);
  }, 250);
  timer.unref();
}
