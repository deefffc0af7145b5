// `npm run bench -- smoke`: the 30-day smoke trend over 1,000,000 history rows,
// read from the hourly rollup vs a naive GROUP BY over the raw rows (same run,
// same database, median of several runs). Target: rollup ≥ 40× faster, ~10 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMOKE_CHECKS } from '../src-shared/api/smoke';
import { smokeNdjson } from '../src-main/core/smoke';
import { openDatabase, createSmokeHistoryStore, HOUR_MS, type SmokeRowInput, smokeNdjsonChunk, smokeTables } from '../src-main/core/store';

const ROWS = Number(process.env.BENCH_SMOKE_ROWS ?? 1_000_000);
const DAYS = 30;
const BATCH = 10_000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function time<T>(fn: () => T): [number, T] {
  const t = process.hrtime.bigint();
  const out = fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, out];
}

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-smoke-'));
  const { db } = openDatabase(join(dir, 'vigil.db'), { tables: smokeTables, migrations: [] });
  try {
    const store = createSmokeHistoryStore(db);
    const until = Date.UTC(2026, 0, 31);
    const since = until - DAYS * 86_400_000;
    const runs = Math.ceil(ROWS / SMOKE_CHECKS.length);
    const step = (until - since) / runs;

    // 1. Generate the history through the real write path (rows + rollup in one transaction per batch).
    let seed = 42;
    const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const t0 = process.hrtime.bigint();
    let batch: SmokeRowInput[] = [];
    let written = 0;
    for (let r = 0; r < runs && written < ROWS; r++) {
      const at = Math.floor(since + r * step);
      for (const check of SMOKE_CHECKS) {
        if (written++ >= ROWS) break;
        const x = rnd();
        batch.push({
          at,
          check,
          status: x < 0.9 ? 'ok' : x < 0.98 ? 'warning' : 'critical',
          value: Math.floor(x * 100),
          reason: `depth ${Math.floor(x * 100)}, oldest ${Math.floor(x * 60)}s`,
        });
      }
      if (batch.length >= BATCH) {
        store.insert(batch);
        batch = [];
      }
    }
    if (batch.length) store.insert(batch);
    const insertMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const rollupRows = (db.prepare('SELECT COUNT(*) AS n FROM smoke_rollup').get() as { n: number }).n;
    console.log(
      `rows: ${store.count().toLocaleString('en')} over ${DAYS} days (rollup ${rollupRows.toLocaleString('en')} rows); batched insert with rollup: ${(insertMs / 1000).toFixed(1)} s, ${Math.round(ROWS / (insertMs / 1000)).toLocaleString('en')} rows/s`,
    );

    // 2. The 30-day hourly trend, both ways.
    const naiveStmt = db.prepare(
      'SELECT at / 3600000 AS b, status, COUNT(*) AS n FROM smoke_history WHERE at >= ? AND at < ? GROUP BY b, status ORDER BY b',
    );
    const rollup = () => store.trend({ since, until, bucketMs: HOUR_MS });
    const naive = () => naiveStmt.all(since, until) as Array<{ b: number; status: number; n: number }>;

    // Same answer both ways, or the comparison means nothing.
    const a = rollup();
    const b = naive();
    const total = (xs: Array<{ ok: number; warning: number; critical: number }>) =>
      xs.reduce((n, p) => n + p.ok + p.warning + p.critical, 0);
    const naiveTotal = b.reduce((n, r) => n + r.n, 0);
    if (total(a) !== naiveTotal || total(a) !== ROWS)
      throw new Error(`trend mismatch: rollup ${total(a)}, naive ${naiveTotal}, rows ${ROWS}`);

    const RUNS = 7;
    // Warm the page cache and the statements first.
    for (let i = 0; i < 2; i++) {
      rollup();
      naive();
    }
    const rollupMs: number[] = [];
    const naiveMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      rollupMs.push(time(rollup)[0]);
      naiveMs.push(time(naive)[0]);
    }
    const r = median(rollupMs);
    const n = median(naiveMs);
    console.log(`30-day hourly trend (${a.length} points), median of ${RUNS}:`);
    console.log(`  rollup table       ${r.toFixed(2)} ms   (runs: ${rollupMs.map((x) => x.toFixed(1)).join(', ')})`);
    console.log(`  naive GROUP BY     ${n.toFixed(2)} ms   (runs: ${naiveMs.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`  ratio              ${(n / r).toFixed(1)}×  (target ≥ 40×) ${n / r >= 40 ? 'PASS' : 'BELOW TARGET'}`);
    const [dayMs, days] = time(() => store.trend({ since, until, bucketMs: 86_400_000 }));
    console.log(`30-day daily trend from the rollup: ${days.length} points in ${dayMs.toFixed(2)} ms`);

    // 3. Streaming NDJSON export of the whole history (what GET /api/v1/smoke/history.ndjson does).
    const heap0 = process.memoryUsage().heapUsed;
    let heapMax = heap0;
    let bytes = 0;
    let chunks = 0;
    const te = process.hrtime.bigint();
    for await (const chunk of smokeNdjson((q) => smokeNdjsonChunk(store, q), 0, Number.MAX_SAFE_INTEGER)) {
      bytes += chunk.length;
      if (++chunks % 50 === 0) heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
    }
    const exportMs = Number(process.hrtime.bigint() - te) / 1e6;
    console.log(
      `NDJSON export of ${ROWS.toLocaleString('en')} rows: ${(bytes / 1e6).toFixed(0)} MB in ${(exportMs / 1000).toFixed(1)} s (${Math.round(ROWS / (exportMs / 1000)).toLocaleString('en')} rows/s), peak heap growth ${((heapMax - heap0) / 1e6).toFixed(1)} MB (incl. garbage)`,
    );
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
