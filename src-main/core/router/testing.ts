import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreContext } from '../context';
import { Bus } from '../bus';
import { FakeClock } from '../clock';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import type { Message, OutboxWriter } from '../notify';
import { openDatabase, sqliteStores, type Database } from '../store';

export interface Sent {
  channel: string;
  key: string;
  message: Message;
}

/**
 * A recording OutboxWriter for pipeline tests: rows go into the same SQLite
 * database inside the router's transaction (INSERT OR IGNORE on the key, as
 * a durable outbox does), so rollbacks and replays are observed truthfully.
 */
export function recordingOutbox(db: Database): OutboxWriter & { sent(): Sent[] } {
  db.exec(`CREATE TABLE IF NOT EXISTS test_outbox (n INTEGER PRIMARY KEY, key TEXT UNIQUE, channel TEXT, message TEXT)`);
  const ins = db.prepare(`INSERT OR IGNORE INTO test_outbox (key, channel, message) VALUES (?, ?, ?)`);
  const all = db.prepare(`SELECT key, channel, message FROM test_outbox ORDER BY n`);
  return {
    enqueue: (channel, message, key) => void ins.run(key, channel, JSON.stringify(message)),
    sent: () =>
      (all.all() as Array<{ key: string; channel: string; message: string }>).map((r) => ({
        ...r,
        message: JSON.parse(r.message) as Message,
      })),
  };
}

/** A CoreContext on a real SQLite file in a temp dir, a FakeClock and config from YAML. */
export interface TestContext {
  ctx: CoreContext;
  clock: FakeClock;
  db: Database;
  dir: string;
  changes: string[];
  close(removeDir?: boolean): void;
}

export function testContext(opts: { yaml?: string; start?: number; dir?: string; fetch?: typeof fetch } = {}): TestContext {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'vigil-router-'));
  const { db } = openDatabase(join(dir, 'vigil.db'));
  const clock = new FakeClock(opts.start ?? Date.UTC(2026, 0, 5, 12, 0)); // a Monday, 12:00 UTC
  const changes: string[] = [];
  const starters: Array<() => void | Promise<void>> = [];
  const stoppers: Array<() => void | Promise<void>> = [];
  const ctx: CoreContext = {
    config: parseConfig(opts.yaml ?? ''),
    dataDir: dir,
    stores: sqliteStores(db),
    clock,
    log: createLogger(null),
    bus: new Bus(),
    metrics: createMetrics(),
    secrets: { get: () => undefined, names: () => [] },
    fetch: opts.fetch ?? globalThis.fetch,
    toMain: null,
    statusProviders: [],
    changed: (...what) => void changes.push(...what),
    onStart: (fn) => void starters.push(fn),
    onStop: (fn) => void stoppers.push(fn),
    onReload: () => undefined,
    onSleep: () => undefined,
    onWake: () => undefined,
  };
  return {
    ctx,
    clock,
    db,
    dir,
    changes,
    close(removeDir = true) {
      db.close();
      if (removeDir && !opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An intake event with sensible defaults for tests. */
export const alertEvent = (o: Partial<import('./router').IntakeEvent> = {}): import('./router').IntakeEvent => ({
  source: 'api',
  fingerprint: 'fp-disk-web1',
  severity: 'critical',
  status: 'firing',
  summary: 'Disk almost full on web1',
  description: null,
  labels: { alertname: 'DiskFull', instance: 'web1' },
  startsAt: null,
  endsAt: null,
  ...o,
});
