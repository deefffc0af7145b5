import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import type { Message } from '../notify';
import { createScheduler } from '../scheduler';
import { openDatabase, type Database, createSmokeHistoryStore, HOUR_MS, type SmokeRowInput } from '../store';
import { createSmoke, redact, type SmokeAudit } from './service';
import type { SmokeSources } from './sources';

const DAY = 86_400_000;
const dirs: string[] = [];
const dbs: Database[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(opts: { yaml?: string; sources?: SmokeSources; start?: number; audit?: SmokeAudit | null; withOutbox?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-smoke-'));
  dirs.push(dir);
  const { db } = openDatabase(join(dir, 'vigil.db'));
  dbs.push(db);
  const clock = new FakeClock(opts.start ?? Date.UTC(2026, 0, 14, 0, 0));
  const config = parseConfig(opts.yaml ?? '');
  const metrics = createMetrics();
  const sent: Array<{ channel: string; message: Message; key: string }> = [];
  const scheduler = createScheduler({
    clock,
    onError: (job, err) => {
      throw new Error(`job ${job} failed: ${String(err)}`);
    },
  });
  const store = createSmokeHistoryStore(db);
  const smoke = createSmoke({
    config,
    clock,
    log: createLogger(null),
    metrics,
    store,
    sources: opts.sources ?? {},
    scheduler,
    transaction: (fn) => db.transaction(fn)(),
    outbox: () => (opts.withOutbox === false ? null : { enqueue: (channel, message, key) => void sent.push({ channel, message, key }) }),
    audit: () => opts.audit ?? null,
  });
  return { db, clock, smoke, store, metrics, sent, scheduler };
}

const rows = (db: Database, table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

/** Synthetic history: one run per `step` ms over [from, to), status by a function of time and check. */
function fill(
  store: ReturnType<typeof createSmokeHistoryStore>,
  from: number,
  to: number,
  step: number,
  status: (at: number, i: number) => 'ok' | 'warning' | 'critical',
) {
  const checks = ['router_queue', 'outbox_backlog', 'elephant_hitl'] as const;
  const batch: SmokeRowInput[] = [];
  for (let at = from; at < to; at += step)
    checks.forEach((check, i) => batch.push({ at, check, status: status(at, i), value: i, reason: 'x' }));
  store.insert(batch);
  return batch;
}

describe('smoke service', () => {
  it('R-SMOKE-2: a run stores one compact row per check (time, check, status, value, short reason) and sets vigil_smoke_status', async () => {
    const { db, smoke, metrics } = setup({
      sources: {
        routerQueue: () => ({ depth: 2000, oldestAt: null }),
        approvals: () => {
          throw new Error('x'.repeat(500));
        },
      },
    });
    const run = await smoke.run();
    expect(run.results).toHaveLength(6);
    expect(run.worst).toBe('critical');
    const cols = (db.pragma('table_info(smoke_history)') as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(['id', 'at', 'check_id', 'status', 'value', 'reason']);
    const stored = db.prepare('SELECT check_id, status, value, length(reason) AS len FROM smoke_history ORDER BY id').all() as {
      check_id: string;
      status: number;
      value: number | null;
      len: number;
    }[];
    expect(stored).toHaveLength(6);
    expect(stored.find((r) => r.check_id === 'router_queue')).toMatchObject({ status: 2, value: 2000 });
    // A source that throws makes its check Critical; the long message is cut to a short reason.
    expect(stored.find((r) => r.check_id === 'elephant_hitl')).toMatchObject({ status: 2, len: 160 });
    const gauge = (await metrics.smokeStatus.get()).values;
    expect(gauge.find((v) => v.labels.check === 'router_queue')?.value).toBe(2);
    expect(gauge.find((v) => v.labels.check === 'outbox_backlog')?.value).toBe(1); // not wired → warning
    expect(gauge.find((v) => v.labels.check === 'autoheal_protected')?.value).toBe(0);
    // One Overview tile: worst status, failing checks named.
    const [tile] = smoke.tiles();
    expect(tile).toMatchObject({ id: 'smoke', status: 'critical', value: '3/6 OK' });
    expect(tile!.reason).toMatch(/Router queue: /);
  });

  it('R-SMOKE-2: a failing source cannot write a secret into history', async () => {
    const { db, smoke } = setup({
      sources: {
        routerQueue: () => {
          throw new Error('GET http://vigil:hunter2@10.0.0.5/q?token=abc123 failed: Authorization: Bearer eyJhbGciOi.x.y, api_key=sk-123');
        },
      },
    });
    await smoke.run();
    const reason = (db.prepare("SELECT reason FROM smoke_history WHERE check_id = 'router_queue'").get() as { reason: string }).reason;
    for (const secret of ['hunter2', 'abc123', 'eyJhbGciOi', 'sk-123']) expect(reason).not.toContain(secret);
    expect(reason).toMatch(/^check failed: GET http:\/\/…@10\.0\.0\.5\/q\?token=… failed/);
    expect(redact('depth 3, oldest 4s')).toBe('depth 3, oldest 4s');
  });

  it('R-SMOKE-2: the hourly rollup always equals a GROUP BY over the raw rows', () => {
    const { db, store } = setup();
    const t0 = Date.UTC(2026, 0, 1);
    fill(store, t0, t0 + 3 * DAY, 7 * 60_000, (at, i) =>
      ((at / 60_000) | 0) % (5 + i) === 0 ? 'critical' : ((at / 60_000) | 0) % 3 === 0 ? 'warning' : 'ok',
    );
    fill(store, t0 + 30 * 60_000, t0 + 5 * HOUR_MS, 11 * 60_000, () => 'warning'); // second writer into the same hours
    const raw = db
      .prepare('SELECT at / 3600000 AS hour, check_id, status, COUNT(*) AS n FROM smoke_history GROUP BY 1, 2, 3 ORDER BY 1, 2, 3')
      .all();
    const rollup = db.prepare('SELECT hour, check_id, status, n FROM smoke_rollup ORDER BY 1, 2, 3').all();
    expect(rollup.length).toBeGreaterThan(100);
    expect(rollup).toEqual(raw);
  });

  it('R-SMOKE-2: retention prunes rows and rollup together, hourly on the schedule', async () => {
    const start = Date.UTC(2026, 3, 1);
    const { db, store, smoke, clock, scheduler } = setup({ yaml: 'smoke: { retention: 2d }', start });
    fill(store, start - 5 * DAY, start, HOUR_MS, () => 'ok');
    expect(rows(db, 'smoke_history')).toBe(5 * 24 * 3);
    smoke.start();
    await new Promise((r) => setImmediate(r));
    // start-up prune: keeps exactly the last 2 days (the current run adds 6 rows)
    expect(rows(db, 'smoke_history')).toBe(2 * 24 * 3 + 6);
    expect((db.prepare('SELECT MIN(hour) AS h FROM smoke_rollup').get() as { h: number }).h).toBe((start - 2 * DAY) / HOUR_MS);
    clock.advance(HOUR_MS);
    expect((db.prepare('SELECT MIN(at) AS a FROM smoke_history').get() as { a: number }).a).toBe(start - 2 * DAY + HOUR_MS);
    expect((db.prepare('SELECT SUM(n) AS n FROM smoke_rollup').get() as { n: number }).n).toBe(rows(db, 'smoke_history'));
    scheduler.stop();
  });

  it('R-SMOKE-3: trend gives ok/warning/critical per hour or per local day, at most ~500 points', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const { store, smoke } = setup({ yaml: 'smoke: { summaryTimeZone: Asia/Tokyo }', start: t0 + 60 * DAY });
    fill(store, t0, t0 + 60 * DAY, 10 * 60_000, (at, i) => (i === 0 && at < t0 + DAY ? 'critical' : i === 1 ? 'warning' : 'ok'));
    const hourly = smoke.trend({ bucket: 'hour', since: t0, until: t0 + 2 * DAY });
    expect(hourly.bucketMs).toBe(HOUR_MS);
    expect(hourly.points).toHaveLength(48);
    expect(hourly.points[0]).toEqual({ t: t0, ok: 6, warning: 6, critical: 6 });
    expect(hourly.points[30]).toEqual({ t: t0 + 30 * HOUR_MS, ok: 12, warning: 6, critical: 0 });
    const month = smoke.trend({ bucket: 'hour', since: t0, until: t0 + 60 * DAY });
    expect(month.points.length).toBeLessThanOrEqual(500);
    expect(month.bucketMs).toBe(3 * HOUR_MS);
    expect(month.points.reduce((n, p) => n + p.ok + p.warning + p.critical, 0)).toBe(60 * 144 * 3);
    // Day buckets start at local midnight in the configured zone (Tokyo = UTC+9).
    const daily = smoke.trend({ bucket: 'day', since: t0, until: t0 + 60 * DAY });
    expect(daily.points[1]!.t).toBe(Date.UTC(2026, 0, 1, 15));
    expect(daily.points[0]!.t).toBe(Date.UTC(2025, 11, 31, 15));
  });

  it('R-SMOKE-4: the daily summary comes from history alone: counts, worst checks, longest critical streak', () => {
    const t0 = Date.UTC(2026, 0, 13, 9, 10);
    const { store, smoke } = setup({ start: t0 + DAY });
    const MIN = 60_000;
    fill(store, t0, t0 + DAY, 10 * MIN, (at, i) => {
      const m = (at - t0) / MIN;
      if (i === 1 && m >= 100 && m < 160) return 'critical'; // outbox: 6 in a row
      if (i === 2 && (m === 300 || m === 310 || m === 500)) return 'critical'; // hitl: 2 in a row, then 1
      if (i === 2 && m < 100) return 'warning';
      return 'ok';
    });
    const s = smoke.summary();
    expect(s.runs).toBe(144);
    expect(s.counts).toEqual({ ok: 144 * 3 - 6 - 3 - 10, warning: 10, critical: 9 });
    expect(s.worstChecks.map((c) => c.check)).toEqual(['outbox_backlog', 'elephant_hitl']);
    expect(s.longestCriticalStreak).toEqual({ check: 'outbox_backlog', count: 6, from: t0 + 100 * MIN, to: t0 + 150 * MIN });
  });

  it('R-SMOKE-4: the summary is sent at 09:10 local time through the outbox, once per day, to each summary channel', async () => {
    const yaml = `channels: [{ name: hook, type: webhook, url: "http://127.0.0.1:9/h" }, { name: desktop, type: desktop }]
smoke: { summaryChannels: [hook, desktop], summaryTimeZone: Europe/Berlin, interval: 1h }`;
    const { smoke, clock, sent, scheduler } = setup({ yaml, start: Date.UTC(2026, 0, 14, 0, 0) });
    smoke.start();
    await new Promise((r) => setImmediate(r));
    for (let h = 0; h < 8; h++) {
      clock.advance(HOUR_MS);
      await new Promise((r) => setImmediate(r));
    }
    clock.advance(9 * 60_000);
    expect(sent).toEqual([]);
    clock.advance(60_000);
    expect(sent.map((s) => [s.channel, s.key])).toEqual([
      ['hook', 'smoke-summary:2026-01-14:hook'],
      ['desktop', 'smoke-summary:2026-01-14:desktop'],
    ]);
    expect(sent[0]!.message).toMatchObject({ kind: 'summary', eventId: null });
    expect(sent[0]!.message.body).toContain('9 runs'); // hourly runs 00:00 … 08:00 UTC (the first at start-up)
    clock.advance(DAY);
    expect(sent).toHaveLength(4);
    expect(sent[3]!.key).toBe('smoke-summary:2026-01-15:desktop');
    scheduler.stop();
  });

  it('R-SMOKE-4: sending a summary needs configured channels and an outbox, with a clear error otherwise', () => {
    expect(() => setup().smoke.sendSummary('manual')).toThrow(
      /no summary channels configured: list channel names under smoke.summaryChannels/,
    );
    const yaml = 'smoke: { summaryChannels: [desktop] }';
    expect(() => setup({ yaml, withOutbox: false }).smoke.sendSummary('manual')).toThrow(/outbox is not available/);
    const { smoke, sent } = setup({ yaml });
    expect(smoke.sendSummary('manual').channels).toEqual(['desktop']);
    expect(sent).toHaveLength(1);
  });

  it('R-SMOKE-4: clear deletes smoke history and rollup only, and is audited; without an audit entry nothing is deleted', () => {
    const entries: unknown[] = [];
    const audit: SmokeAudit = { append: (e) => void entries.push(e) };
    const { db, store, smoke } = setup({ audit });
    db.exec(
      "CREATE TABLE IF NOT EXISTS other_area (x INTEGER); INSERT INTO other_area VALUES (1), (2); INSERT INTO meta (key, value) VALUES ('k', 'v')",
    );
    fill(store, Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2), HOUR_MS, () => 'ok');
    const others = () =>
      (
        db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'smoke_%' AND name NOT LIKE 'sqlite_%'")
          .all() as { name: string }[]
      ).map((t) => [t.name, rows(db, t.name)]);
    const before = others();
    expect(smoke.clear('alice')).toEqual({ deletedRows: 72 });
    expect(rows(db, 'smoke_history')).toBe(0);
    expect(rows(db, 'smoke_rollup')).toBe(0);
    expect(others()).toEqual(before);
    expect(entries).toEqual([{ actor: 'alice', action: 'smoke.clear', subject: 'smoke_history', detail: { rows: 72 } }]);

    const broken = setup({
      audit: {
        append: () => {
          throw new Error('audit log cannot be written');
        },
      },
    });
    fill(broken.store, Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2), HOUR_MS, () => 'ok');
    expect(() => broken.smoke.clear('bob')).toThrow(/audit log cannot be written/);
    expect(rows(broken.db, 'smoke_history')).toBe(72);
    expect(rows(broken.db, 'smoke_rollup')).toBe(72);
  });

  it('R-SMOKE-1: smoke runs every interval on the injected clock', async () => {
    const { db, smoke, clock, scheduler } = setup({ yaml: 'smoke: { interval: 30s }' });
    smoke.start();
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 4; i++) {
      clock.advance(30_000);
      await new Promise((r) => setImmediate(r));
    }
    expect(rows(db, 'smoke_history')).toBe(5 * 6);
    expect((db.prepare('SELECT COUNT(DISTINCT at) AS n FROM smoke_history').get() as { n: number }).n).toBe(5);
    scheduler.stop();
  });
});
