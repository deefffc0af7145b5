import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type IntakeEvent, eventId, createRouter } from '../src-main/core/router';
import { recordingOutbox, testContext } from '../src-main/core/router/testing';
import { openDatabase, eventTables, sqliteEventStore, type NewEvent } from '../src-main/core/store';

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
  let t = performance.now();
  for (let i = 0; i < n; i += BATCH) router.ingest(events.slice(i, i + BATCH), 'bench');
  await router.drain();
  const routerMs = performance.now() - t;
  const notified = (h.db.prepare(`SELECT count(*) AS n FROM events WHERE outcome = 'notified'`).get() as { n: number }).n;
  h.close();

  const raw = testContext();
  raw.close(false);
  const { db } = openDatabase(join(raw.dir, 'raw.db'), { tables: eventTables, migrations: [] });
  const store = sqliteEventStore(db);
  const transaction = <T>(fn: () => T): T => db.transaction(fn)();
  // The same rows the router stores: same ids scheme, same intake trace.
  const at = Date.now();
  const rows: NewEvent[] = events.map((e) => ({
    ...e,
    id: eventId(at),
    receivedAt: at,
    trace: [
      { at, stage: 'normalise', result: 'pass', detail: 'bench' },
      { at, stage: 'persist', result: 'pass', detail: `stored in the inbox (batch of ${BATCH})` },
    ],
  }));
  t = performance.now();
  for (let i = 0; i < n; i += BATCH) transaction(() => store.insert(rows.slice(i, i + BATCH)));
  const rawMs = performance.now() - t;
  db.close();
  raw.close();

  const routerPerSec = n / (routerMs / 1000);
  const rawPerSec = n / (rawMs / 1000);
  console.log(`(a) in-process, ${n} events over ${fingerprints} fingerprints (${notified} notified), batches of ${BATCH}`);
  console.log(`    router persist+dedupe+decide: ${routerPerSec.toFixed(0)} events/s (${routerMs.toFixed(0)} ms)`);
  console.log(`    raw batched insert, same rows and table: ${rawPerSec.toFixed(0)} rows/s (${rawMs.toFixed(0)} ms)`);
  console.log(`    ratio router/raw: ${(routerPerSec / rawPerSec).toFixed(2)}× (target ≥ 0.5×)`);
  return { routerPerSec, rawPerSec };
}
