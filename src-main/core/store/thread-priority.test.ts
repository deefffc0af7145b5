import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { parseConfig } from '../config';
import { createLogger } from '../log';

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
