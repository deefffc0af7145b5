// Preload (`--import`) for a server under a bench: samples its main thread's CPU and writes a .cpuprofile into
// $VIGIL_CPU_PROFILE_DIR when the process exits (`--cpu-prof` itself is refused in NODE_OPTIONS).
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.VIGIL_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  const heap = !!process.env.VIGIL_HEAP_PROFILE; // also sample allocations (collected objects included)
  if (heap)
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 16384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  const exit = process.exit.bind(process);
  // The same-thread inspector answers synchronously, so the profile is written before the process ends.
  process.exit = (code) => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) {
        // V8's profile clock is the monotonic one process.hrtime reads: this maps its µs to epoch ms (bench health).
        res.profile.epochOffsetMs = Date.now() - Number(process.hrtime.bigint()) / 1e6;
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
      }
    });
    if (heap)
      session.post('HeapProfiler.stopSampling', (err, res) => {
        if (!err) writeFileSync(join(dir, `${process.pid}.heapprofile`), JSON.stringify(res.profile));
      });
    return exit(code);
  };
}
