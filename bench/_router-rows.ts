import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createCore } from '../src-main/core/app';
import { parseConfig } from '../src-main/core/config';
import { normaliseAmWebhook } from '../src-main/core/ingest';
import { createLogger } from '../src-main/core/log';
import { inboxText } from '../src-main/core/router';
import { testContext } from '../src-main/core/router/testing';
import { alerts, webhook } from './_router-http';
import { walByTable } from './_router-inproc';

/**
 * (a'') What one first delivery costs the deciding connection, by part: statement runs an alert by statement, rows an
 * alert by table and their stored bytes and index entries (dbstat). Counts, not times: the load does not move them.
 */
export async function firstDeliveryRows(requests = 1_500, perRequest = 20): Promise<void> {
  const raw = testContext();
  raw.close(false);
  const yaml = `channels: [{ name: sink, type: webhook, url: "http://127.0.0.1:9/hook", digest: 0 }]\nroutes: [{ channels: [sink] }]\n`;
  const core = createCore({ config: parseConfig(yaml), dataDir: join(raw.dir, 'data'), log: createLogger(null) });
  const router = core.areas.router;
  const db = core.areas.db;
  const groups = alerts(0, requests, perRequest).map((b) => {
    const r = normaliseAmWebhook(JSON.parse(webhook(b)));
    if (!r.ok) throw new Error(r.message);
    return { events: r.events, via: 'POST /api/v1/alerts/alertmanager' };
  });
  for (let i = 0; i < groups.length; i += 16) {
    const items = groups.slice(i, i + 16).map((g) => router.prepare(g.events, g.via));
    const recs = items.flat();
    router.accepted(core.ctx.stores.inbox.appendText(Date.now(), groups[i]!.via, recs.length, inboxText(items)), recs);
  }
  const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((t) => t.name);
  const rowCount = () => new Map(tables.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]));
  const before = rowCount();
  // Checkpoints held off, so every WAL frame the deciding pass writes stays countable by its page's owner.
  const walFile = `${db.name}-wal`;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('wal_autocheckpoint = 0');
  let commits = 0;
  const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
  const saved = { get: proto.get!, all: proto.all!, run: proto.run!, iterate: proto.iterate! };
  const runs = new Map<string, number>();
  for (const m of ['get', 'all', 'run', 'iterate'] as const)
    proto[m] = function (this: { source: string; database: unknown }, ...a: unknown[]) {
      if (this.database === db) {
        if (this.source === 'COMMIT') commits++;
        const k = this.source.replace(/\s+/g, ' ').slice(0, 90);
        runs.set(k, (runs.get(k) ?? 0) + 1);
      }
      return saved[m].apply(this, a);
    };
  await router.drain();
  Object.assign(proto, saved);
  const n = requests * perRequest;
  console.log(`(a'') ${n} first deliveries (10 per alertname), statement runs an alert on the deciding connection:`);
  for (const [k, c] of [...runs].sort((x, y) => y[1] - x[1])) if (c / n >= 0.001) console.log(`    ${(c / n).toFixed(3)}  ${k}`);
  const after = rowCount();
  console.log(`    rows an alert by table (new rows):`);
  for (const t of tables) {
    const d = after.get(t)! - before.get(t)!;
    if (d) console.log(`    ${(d / n).toFixed(3)}  ${t}`);
  }
  const stat = db
    .prepare(
      `SELECT name, sum(ncell) AS cells, sum(payload) AS payload, sum(pgsize) AS bytes, count(*) AS pages FROM dbstat GROUP BY name ORDER BY bytes DESC`,
    )
    .all() as Array<{ name: string; cells: number; payload: number; bytes: number; pages: number }>;
  console.log(`    dbstat: table or index, cells (leaf+interior), payload bytes a cell, page bytes an alert`);
  for (const s of stat)
    if (s.bytes / n >= 1)
      console.log(
        `    ${s.name.padEnd(34)} cells ${String(s.cells).padStart(7)}  payload/cell ${(s.payload / Math.max(1, s.cells)).toFixed(0).padStart(5)}  bytes/alert ${(s.bytes / n).toFixed(0)}`,
      );
  const page = db.pragma('page_size', { simple: true }) as number;
  const all = statSync(walFile).size / (page + 24);
  console.log(
    `    WAL frames an alert (${commits} commits, ${(n / commits).toFixed(0)} alerts a commit): ${(all / n).toFixed(3)}; by table or index:`,
  );
  console.log(`    ${walByTable(db, walFile, page, n)}`);
  await core.stop();
  raw.close();
}
