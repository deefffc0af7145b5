import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCore, type Core } from '../src-main/core/app';
import { parseConfig } from '../src-main/core/config';
import { normaliseAmWebhook } from '../src-main/core/ingest';
import { createLogger } from '../src-main/core/log';
import { type IntakeEvent, eventId, createRouter, inboxText } from '../src-main/core/router';
import { recordingOutbox, testContext } from '../src-main/core/router/testing';
import { openDatabase, eventTables, sqliteEventStore, type NewEvent } from '../src-main/core/store';
import { alerts, monotonicMs, webhook } from './_router-http';

/** A storm: `n` events over `fingerprints` distinct alerts (most are repeats the router dedupes). */
export function stormEvents(n: number, fingerprints: number): IntakeEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i % fingerprints;
    return {
      source: 'alertmanager',
      fingerprint: `fp-${k}`,
      severity: k % 10 === 0 ? 'critical' : 'warning',
      status: 'firing',
      summary: `High latency on api-${k}`,
      description: null,
      labels: { alertname: 'HighLatency', instance: `api-${k}`, job: 'api', severity: k % 10 === 0 ? 'critical' : 'warning' },
      startsAt: null,
      endsAt: null,
    };
  });
}

const BATCH = 500;

/** (a) router (persist + dedupe + decide, outbox rows included) vs a raw batched insert of the same rows into the same table. */
export async function benchInProcess(n = 50_000, fingerprints = 5_000): Promise<{ routerPerSec: number; rawPerSec: number }> {
  const events = stormEvents(n, fingerprints);

  const h = testContext({ yaml: 'channels: [{ name: desktop, type: desktop }]' });
  const router = createRouter(h.ctx, { outbox: recordingOutbox(h.db) });
  const t = performance.now();
  for (let i = 0; i < n; i += BATCH) router.ingest(events.slice(i, i + BATCH), 'bench');
  await router.drain();
  const routerMs = performance.now() - t;
  const notified = (h.db.prepare(`SELECT count(*) AS n FROM events WHERE outcome = 'notified'`).get() as { n: number }).n;
  h.close();

  const rawMs = rawInsertMs(events, BATCH);

  const routerPerSec = n / (routerMs / 1000);
  const rawPerSec = n / (rawMs / 1000);
  console.log(`(a) in-process, ${n} events over ${fingerprints} fingerprints (${notified} notified), batches of ${BATCH}`);
  console.log(`    router persist+dedupe+decide: ${routerPerSec.toFixed(0)} events/s (${routerMs.toFixed(0)} ms)`);
  console.log(`    raw batched insert, same rows and table: ${rawPerSec.toFixed(0)} rows/s (${rawMs.toFixed(0)} ms)`);
  console.log(`    ratio router/raw: ${(routerPerSec / rawPerSec).toFixed(2)}× (target ≥ 0.5×)`);
  return { routerPerSec, rawPerSec };
}

/** A raw batched insert of the same rows (same id scheme, same intake trace) into an events table of its own (ms). */
function rawInsertMs(events: IntakeEvent[], batch: number): number {
  const n = events.length;
  const raw = testContext();
  raw.close(false);
  const { db } = openDatabase(join(raw.dir, 'raw.db'), { tables: eventTables, migrations: [] });
  const store = sqliteEventStore(db);
  const transaction = <T>(fn: () => T): T => db.transaction(fn)();
  const at = Date.now();
  const rows: NewEvent[] = events.map((e) => ({
    ...e,
    id: eventId(at),
    receivedAt: at,
    trace: [
      { at, stage: 'normalise', result: 'pass', detail: 'bench' },
      { at, stage: 'persist', result: 'pass', detail: `stored in the inbox (batch of ${batch})` },
    ],
  }));
  const t = performance.now();
  for (let i = 0; i < n; i += batch) transaction(() => store.insert(rows.slice(i, i + batch)));
  const ms = performance.now() - t;
  db.close();
  raw.close();
  return ms;
}

/**
 * (a') First delivery, as the HTTP bench's round 0 sends it: every alert new, every one notifies (10 instances per
 * alertname: one group each), through the whole pipeline of a real core (noise, ack, escalation, incidents, the durable
 * outbox; a webhook channel with `digest: 0`). The HTTP requests (20 alerts) arrive group-committed (16 per intake
 * batch); the figure is the deciding pass alone, from the drain to the last commit: what a decider must sustain.
 */
export async function benchFirstDelivery(
  requests = 1_500,
  perRequest = 20,
  amPerSec?: number,
): Promise<{ decidedPerSec: number; rawPerSec: number; usPerEvent: number; cpuUs: number }> {
  const { core, raw, groups, t0, t1, t2, cpu } = await firstDelivery(requests, perRequest);
  const n = requests * perRequest;
  const count = (sql: string) => (core.areas.db.prepare(sql).get() as { n: number }).n;
  const notified = count(`SELECT count(*) AS n FROM events WHERE outcome = 'notified'`);
  const queued = count(`SELECT count(*) AS n FROM outbox`);
  await core.stop();
  raw.close();
  const rawMs = rawInsertMs(
    groups.flatMap((g) => g.events),
    BATCH,
  );
  const decidedPerSec = n / ((t2 - t1) / 1000);
  const rawPerSec = n / (rawMs / 1000);
  const usPerEvent = ((t2 - t1) * 1000) / n;
  // CPU time of the process over the same span: on a loaded machine a steadier figure than wall time.
  const cpuUs = (cpu.user + cpu.system) / n;
  console.log(
    `(a') first delivery in-process: ${n} new alerts, 10 per alertname (${notified} notified, ${queued} outbox rows), webhook digest 0`,
  );
  console.log(`    intake (inbox append, 16 requests of ${perRequest} per batch): ${(t1 - t0).toFixed(0)} ms`);
  console.log(
    `    decided: ${decidedPerSec.toFixed(0)} events/s (${usPerEvent.toFixed(1)} µs/event, ${(t2 - t1).toFixed(0)} ms, commits included); CPU ${cpuUs.toFixed(1)} µs/event (${(cpu.system / n).toFixed(1)} system)`,
  );
  console.log(
    `    ratio decided/raw insert: ${(decidedPerSec / rawPerSec).toFixed(2)}×` +
      (amPerSec ? `; decided/Alertmanager ${amPerSec.toFixed(0)}/s: ${(decidedPerSec / amPerSec).toFixed(2)}× (target ≥ 1×)` : ''),
  );
  return { decidedPerSec, rawPerSec, usPerEvent, cpuUs };
}

/** A real core on a temporary data dir, the first deliveries appended to its inbox as HTTP intake would, and drained. */
export async function firstDelivery(requests: number, perRequest: number, before?: (core: Core) => void) {
  const raw = testContext();
  raw.close(false);
  const yaml = `channels: [{ name: sink, type: webhook, url: "http://127.0.0.1:9/hook", digest: 0 }]\nroutes: [{ channels: [sink] }]\n`;
  const core = createCore({ config: parseConfig(yaml), dataDir: join(raw.dir, 'data'), log: createLogger(null) });
  const router = core.areas.router;
  const groups = alerts(0, requests, perRequest).map((b) => {
    const r = normaliseAmWebhook(JSON.parse(webhook(b)));
    if (!r.ok) throw new Error(r.message);
    return { events: r.events, via: 'POST /api/v1/alerts/alertmanager' };
  });
  const t0 = performance.now();
  for (let i = 0; i < groups.length; i += 16) {
    // As HTTP intake commits 16 requests (router/group-commit.ts), inline: one appended batch, then queued.
    const items = groups.slice(i, i + 16).map((g) => router.prepare(g.events, g.via));
    const recs = items.flat();
    const json = inboxText(items);
    router.accepted(core.ctx.stores.inbox.appendText(Date.now(), groups[i]!.via, recs.length, json), recs);
  }
  before?.(core);
  const t1 = performance.now();
  const m1 = monotonicMs();
  const cpu0 = process.cpuUsage();
  await router.drain();
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  // Where the deciding pass lies in a `node --cpu-prof` profile (its times are this monotonic clock, in µs) or a
  // `perf record -k mono` of `node --perf-basic-prof`.
  if (process.execArgv.some((a) => a === '--cpu-prof' || a === '--perf-basic-prof'))
    console.log(`    (profile window: deciding ${m1.toFixed(0)}–${monotonicMs().toFixed(0)} ms)`);
  return { core, raw, groups, t0, t1, t2, cpu };
}

/** Where an events row's bytes go: the stored length of each column (text and blob bytes), largest first. */
function columnBytes(db: Core['areas']['db'], n: number): string {
  const cols = (db.prepare(`SELECT name FROM pragma_table_info('events')`).all() as Array<{ name: string }>).map((c) => c.name);
  const sums = db
    .prepare(`SELECT ${cols.map((c) => `sum(length(CAST("${c}" AS BLOB))) AS "${c}"`).join(', ')} FROM events`)
    .get() as Record<string, number | null>;
  return cols
    .map((c) => [c, (sums[c] ?? 0) / n] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([c, b]) => `${c} ${b.toFixed(0)}`)
    .join(', ');
}

/** Which table or index each WAL frame wrote (frame header: page number, big-endian), per alert, largest first. */
export function walByTable(db: Core['areas']['db'], file: string, page: number, n: number): string {
  const wal = readFileSync(file);
  const owner = new Map<number, string>();
  for (const r of db.prepare(`SELECT name, pageno FROM dbstat`).all() as Array<{ name: string; pageno: number }>)
    owner.set(r.pageno, r.name);
  const frames = new Map<string, number>();
  for (let off = 32; off + 24 + page <= wal.length; off += 24 + page) {
    const name = owner.get(wal.readUInt32BE(off)) ?? '(free or schema)';
    frames.set(name, (frames.get(name) ?? 0) + 1);
  }
  return [...frames]
    .sort((a, b) => b[1] - a[1])
    .filter(([, f]) => f / n >= 0.005)
    .map(([name, f]) => `${name} ${(f / n).toFixed(2)}`)
    .join(', ');
}

/**
 * (a') in pages: what the deciding pass of `requests` × `perRequest` first deliveries writes to the WAL, with
 * checkpoints held off so every frame stays countable (a figure the machine's load does not move, unlike µs).
 */
export async function firstDeliveryWal(requests = 300, perRequest = 20): Promise<void> {
  let file = '';
  const { core, raw } = await firstDelivery(requests, perRequest, (c) => {
    const db = c.areas.db;
    file = `${db.name}-wal`;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('wal_autocheckpoint = 0');
  });
  const db = core.areas.db;
  const page = db.pragma('page_size', { simple: true }) as number;
  const n = requests * perRequest;
  const frames = statSync(file).size / (page + 24);
  const row = db.prepare(`SELECT sum(pgsize) AS b FROM dbstat WHERE name = 'events'`).get() as { b: number };
  console.log(
    `(a') WAL pages written an alert, ${n} first deliveries, checkpoints held off: ${(frames / n).toFixed(2)}; ` +
      `events table ${(row.b / n).toFixed(0)} bytes an alert`,
  );
  console.log(`    events row, stored bytes an alert by column: ${columnBytes(db, n)}`);
  console.log(`    WAL pages an alert by table or index: ${walByTable(db, file, page, n)}`);
  if (process.env.BENCH_ROUTER_ROW) console.log(db.prepare(`SELECT * FROM events ORDER BY seq DESC LIMIT 1`).get());
  await core.stop();
  raw.close();
}
