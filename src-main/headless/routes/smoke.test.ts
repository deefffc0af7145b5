import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app';
import { parseConfig } from '../../core/config';
import { createLogger } from '../../core/log';
import { createSmokeHistoryStore, type SmokeRowInput } from '../../core/store';
import { listenHttp } from '../testing';

const TOKEN = 'test-token-0123456789abcdefghijklmnop';
const T0 = Date.UTC(2026, 0, 1);
const ROWS = 200_000;
let dir: string;
let core: Core;
let app: FastifyInstance;
let base: string;
const auth = { authorization: `Bearer ${TOKEN}` };
// A real collection before each heap sample: what is measured is what the export retains, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-smoke-http-'));
  // smoke.interval 1h: the test drives runs itself.
  core = createCore({ config: parseConfig('smoke: { interval: 1h }'), dataDir: dir, log: createLogger(null) });
  await core.start();
  ({ app, base } = await listenHttp({ core, token: TOKEN }));
  // A large history: 200k rows, one every 13 s over ~30 days, in batches.
  const store = createSmokeHistoryStore(core.areas.db);
  const checks = [
    'router_queue',
    'outbox_backlog',
    'autoheal_protected',
    'nemotron_fallback',
    'openclaw_embeddings',
    'elephant_hitl',
  ] as const;
  for (let i = 0; i < ROWS;) {
    const batch: SmokeRowInput[] = [];
    for (let j = 0; j < 20_000; j++, i++)
      batch.push({
        at: T0 + i * 13_000,
        check: checks[i % 6]!,
        status: i % 97 === 0 ? 'critical' : 'ok',
        value: i % 50,
        reason: `depth ${i % 50}, oldest 3s`,
      });
    store.insert(batch);
  }
}, 60_000); // seeding 200k rows takes ~2 s idle, >10 s (the default hook timeout) on a loaded machine
afterAll(async () => {
  await app?.close();
  await core?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Read a streamed body chunk by chunk, sampling this process's memory as it goes. */
async function drain(res: Response, onChunk: () => void): Promise<{ lines: number; bytes: number; first: string; last: string }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let lines = 0;
  let bytes = 0;
  let first = '';
  let last = '';
  let tail = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    const parts = (tail + decoder.decode(value, { stream: true })).split('\n');
    tail = parts.pop()!;
    if (parts.length) {
      if (!first) first = parts[0]!;
      last = parts[parts.length - 1]!;
      lines += parts.length;
    }
    onChunk();
  }
  return { lines, bytes, first, last };
}

describe('smoke HTTP interface', () => {
  it('R-SMOKE-1: POST /api/v1/smoke/run runs the six checks now and answers JSON; the token is required', async () => {
    expect((await fetch(`${base}/api/v1/smoke/run`, { method: 'POST' })).status).toBe(401);
    const res = await fetch(`${base}/api/v1/smoke/run`, { method: 'POST', headers: auth });
    expect(res.status).toBe(200);
    const run = (await res.json()) as { at: number; worst: string; results: { check: string; status: string; reason: string }[] };
    expect(run.results.map((r) => r.check).sort()).toEqual([
      'autoheal_protected',
      'elephant_hitl',
      'nemotron_fallback',
      'openclaw_embeddings',
      'outbox_backlog',
      'router_queue',
    ]);
    for (const r of run.results) expect(r.reason.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const r of run.results) {
      expect(metrics).toContain(`vigil_smoke_status{check="${r.check}"} ${{ ok: 0, warning: 1, critical: 2 }[r.status as 'ok']}`);
    }
    // The Overview gets one Self-checks tile carrying the worst check's status.
    const tiles = (await core.call('status.get', {})) as { ok: true; value: { tiles: { id: string; status: string; value: string }[] } };
    const smokeTile = tiles.value.tiles.find((t) => t.id === 'smoke');
    expect(smokeTile?.status).toBe(run.worst);
    expect(smokeTile?.value).toBe(`${run.results.filter((r) => r.status === 'ok').length}/6 OK`);
  });

  it('R-SMOKE-4: a 200k-row NDJSON export streams in bounded memory', async () => {
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    let heapMax = heap0;
    let chunks = 0;
    const res = await fetch(`${base}/api/v1/smoke/history.ndjson`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const out = await drain(res, () => {
      if (++chunks % 25 !== 0) return;
      gc();
      heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
    });
    expect(out.lines).toBeGreaterThanOrEqual(ROWS); // + the rows of the earlier run
    expect(JSON.parse(out.first)).toEqual({
      time: new Date(T0).toISOString(),
      check: 'router_queue',
      status: 'critical',
      value: 0,
      reason: 'depth 0, oldest 3s',
    });
    expect(Object.keys(JSON.parse(out.last)).sort()).toEqual(['check', 'reason', 'status', 'time', 'value']);
    // ~23 MB of NDJSON went through; holding it (or 200k row objects) would retain more than that.
    expect(out.bytes).toBeGreaterThan(20_000_000);
    const growthMb = (heapMax - heap0) / 1e6;
    console.log(
      `export: ${out.lines} lines, ${(out.bytes / 1e6).toFixed(1)} MB; retained heap growth ${growthMb.toFixed(1)} MB (sampled after GC over ${chunks} chunks)`,
    );
    expect(chunks).toBeGreaterThan(100);
    expect(growthMb).toBeLessThan(8);
  }, 120_000); // a memory test, not a speed test: chunks come from the reads worker, slow on a loaded box

  it('R-SEC-4: /health keeps answering while a large export streams', async () => {
    const healthMs: number[] = [];
    let exporting = true;
    const prober = (async () => {
      while (exporting) {
        const t = performance.now();
        await (await fetch(`${base}/health`)).json();
        healthMs.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const t0 = performance.now();
    const out = await drain(await fetch(`${base}/api/v1/smoke/history.ndjson`, { headers: auth }), () => {});
    const exportMs = performance.now() - t0;
    exporting = false;
    await prober;
    const sorted = [...healthMs].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    console.log(
      `export of ${out.lines} lines took ${exportMs.toFixed(0)} ms; /health answered ${healthMs.length} times meanwhile, median ${median.toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`,
    );
    // An export that held the event loop would let one probe through at most, after seconds. Relative to the export's
    // own time: the reads thread runs 10 nice steps down (R-SCALE-13), so on a loaded machine the export takes 15-25 s
    // (1.1 s at load ~6) and every wait stretches with it; a fixed 50 ms median is bench health's target, not this test's.
    expect(healthMs.length).toBeGreaterThan(10);
    expect(median).toBeLessThan(exportMs / 20);
    expect(sorted[sorted.length - 1]!).toBeLessThan(exportMs / 2);
  }, 120_000); // as the export test above: chunks come from the niced reads thread, slow on a loaded box

  it('R-SMOKE-4: since/until select a time range; a bad bound is a 400 naming the parameter', async () => {
    const since = new Date(T0 + 1_000 * 13_000).toISOString();
    const until = new Date(T0 + 1_100 * 13_000).toISOString();
    const res = await fetch(`${base}/api/v1/smoke/history.ndjson?since=${since}&until=${until}`, { headers: auth });
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { time: string });
    expect(lines).toHaveLength(100);
    expect(lines[0]!.time).toBe(since);
    expect(lines[99]!.time).toBe(new Date(T0 + 1_099 * 13_000).toISOString());
    const bad = await fetch(`${base}/api/v1/smoke/history.ndjson?since=yesterday`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^since: expected an ISO 8601 time/);
    const reversed = await fetch(`${base}/api/v1/smoke/history.ndjson?since=${until}&until=${since}`, { headers: auth });
    expect(reversed.status).toBe(400);
    expect((await fetch(`${base}/api/v1/smoke/history.ndjson`)).status).toBe(401);
  });

  it('R-SMOKE-3: the console trend over 30 days from the rollup answers quickly with ≤ 500 points', async () => {
    const t = performance.now();
    const r = (await core.call('smoke.trend', { bucket: 'hour', since: T0, until: T0 + 30 * 86_400_000 })) as {
      ok: true;
      value: { points: unknown[]; bucketMs: number };
    };
    const ms = performance.now() - t;
    expect(r.ok).toBe(true);
    expect(r.value.points.length).toBeLessThanOrEqual(500);
    expect(r.value.points.length).toBeGreaterThan(200);
    expect(ms).toBeLessThan(200);
  });

  it('R-SMOKE-4: daily-summary/send without summary channels is a clear 400', async () => {
    const res = await fetch(`${base}/api/v1/smoke/daily-summary/send`, { method: 'POST', headers: auth });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/smoke\.summaryChannels/);
  });

  it('R-SMOKE-4: DELETE /api/v1/smoke/history clears smoke history and rollup only', async () => {
    const db = core.areas.db;
    db.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('smoke-test', 'keep me')");
    const count = (t: string) => (db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n;
    const others = () =>
      Object.fromEntries(
        (
          db
            .prepare(
              "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'smoke_%' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%' AND name NOT LIKE 'audit%'",
            )
            .all() as { name: string }[]
        ).map((t) => [t.name, count(t.name)]),
      );
    const before = others();
    expect((await fetch(`${base}/api/v1/smoke/history`, { method: 'DELETE' })).status).toBe(401);
    const res = await fetch(`${base}/api/v1/smoke/history`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { deletedRows: number }).deletedRows).toBeGreaterThanOrEqual(ROWS);
    expect(count('smoke_history')).toBe(0);
    expect(count('smoke_rollup')).toBe(0);
    expect(others()).toEqual(before);
    expect(before.meta).toBeGreaterThan(0);
    // Audited: who cleared how many rows, in the hash chain.
    const entry = db.prepare("SELECT actor, subject, detail FROM audit_log WHERE action = 'smoke.clear' ORDER BY id DESC").get() as {
      actor: string;
      subject: string;
      detail: string;
    };
    expect(entry).toMatchObject({ actor: 'admin', subject: 'smoke_history' });
    expect((JSON.parse(entry.detail) as { rows: number }).rows).toBeGreaterThanOrEqual(ROWS);
  });
});
