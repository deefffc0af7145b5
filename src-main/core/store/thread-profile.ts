import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * Benches only (VIGIL_CPU_PROFILE_DIR, as bench/_cpu-profile.mjs does for the main thread, whose preload does not
 * run in workers): sample this worker thread's CPU; the returned function writes `<pid>-<name>-<threadId>.cpuprofile`
 * (call it at a clean stop: a terminated thread runs no exit handler). Null when the variable is not set.
 */
export function profileThread(name: string): (() => void) | null {
  const dir = process.env.VIGIL_CPU_PROFILE_DIR;
  if (!dir) return null;
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  // VIGIL_HEAP_PROFILE=1: also sample what the thread allocates (collected objects included), for a .heapprofile.
  const heap = !!process.env.VIGIL_HEAP_PROFILE;
  if (heap)
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 16_384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  return () => {
    // The same-thread inspector answers synchronously: the file is written before this returns.
    session.post('Profiler.stop', (err, res) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${process.pid}-${name}-${threadId}.cpuprofile`), JSON.stringify(res.profile));
    });
    if (heap)
      session.post('HeapProfiler.stopSampling', (err, res) => {
        if (!err) writeFileSync(join(dir, `${process.pid}-${name}-${threadId}.heapprofile`), JSON.stringify(res.profile));
      });
  };
}
