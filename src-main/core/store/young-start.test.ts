import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { startWithYoung } from './young-start';

const MB = 1024 * 1024;
/** A worker that answers with its isolate's young generation (new space) size, as V8 set it up. */
const SCRIPT = `require('node:worker_threads').parentPort.postMessage(
  require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`;
const newSpace = async (w: Worker): Promise<number> => {
  const size = await new Promise<number>((ok, fail) => (w.once('message', ok), w.once('error', fail)));
  await w.terminate();
  return size;
};
const worker = () => new Worker(SCRIPT, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 96 } });

describe('a worker whose young generation starts large (store/young-start.ts)', () => {
  it('R-SCALE-28: starts at the size asked for, and workers started afterwards get V8 default again', async () => {
    expect(await newSpace(worker())).toBeLessThan(8 * MB); // V8's default: a semi-space of 1 MB, doubled later
    expect(await newSpace(startWithYoung(32, worker))).toBeGreaterThanOrEqual(32 * MB);
    expect(await newSpace(worker())).toBeLessThan(8 * MB);
    expect(await newSpace(startWithYoung(0, worker))).toBeLessThan(8 * MB); // 0: V8 left alone
  }, 30_000);
});
