// Preload (`--import`) for a server under a bench: records the main thread's GC pauses (perf_hooks 'gc' entries;
// `--trace-gc` is refused in NODE_OPTIONS) and writes them to $VIGIL_GC_LOG as JSON lines when the process exits.
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';

const file = process.env.VIGIL_GC_LOG;
if (file) {
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
  process.on('exit', () => writeFileSync(file, got.map((g) => JSON.stringify(g)).join('\n')));
}
