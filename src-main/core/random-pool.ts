import { randomFillSync } from 'node:crypto';

/**
 * Random bytes `width` at a time from a pool refilled every `count` takes: one entropy call per id is a
 * measurable share of a storm's cost (event ids, incident ids). Each take is a fresh view; use it before the next.
 */
export function randomPool(width: number, count = 256): () => Buffer {
  const pool = Buffer.alloc(width * count);
  let next = count;
  return () => {
    if (next === count) {
      randomFillSync(pool);
      next = 0;
    }
    return pool.subarray(next * width, ++next * width);
  };
}
