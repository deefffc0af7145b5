/**
 * The core returns only non-empty buckets; an empty bucket means zero events,
 * so fill the gaps with zeros over [from, to) to draw the rate honestly.
 */
export function fillBuckets<K extends string>(
  points: ReadonlyArray<{ t: number } & Record<K, number>>,
  from: number,
  to: number,
  bucketMs: number,
  keys: readonly K[],
): Array<{ t: number } & Record<K, number>> {
  // Snap each point to its bucket start (and sum), so a point that is not aligned still lands in its bucket.
  const byT = new Map<number, Record<string, number>>();
  for (const p of points) {
    const t = Math.floor(p.t / bucketMs) * bucketMs;
    const acc = byT.get(t) ?? {};
    for (const k of keys) acc[k] = (acc[k] ?? 0) + p[k];
    byT.set(t, acc);
  }
  const out: Array<{ t: number } & Record<K, number>> = [];
  const start = Math.floor(from / bucketMs) * bucketMs;
  for (let t = start; t < to && out.length < 1000; t += bucketMs) {
    const p = byT.get(t);
    const row = { t } as { t: number } & Record<K, number>;
    for (const k of keys) (row as Record<string, number>)[k] = p?.[k] ?? 0;
    out.push(row);
  }
  return out;
}
