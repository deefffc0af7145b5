import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../message';
import { openDatabase, sqliteStores, type Stores } from './index';
import { WAL_LIMIT_BYTES } from './db';

const dirs: string[] = [];
const open: Stores[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.reads.close();
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const message = (i: number): Message => ({
  kind: 'alert',
  title: `storm alert ${i}`,
  body: `host-${i} is down `.repeat(40),
  severity: 'critical',
  eventId: null,
  fingerprint: `fp-${i}`,
  status: 'firing',
  labels: { alertname: `Storm${i % 100}`, instance: `host-${i}` },
});

describe('the WAL after a storm (R-NOTIFY-12)', () => {
  it('R-NOTIFY-12: a storm grows the WAL past 20 MB; with ordinary writes going on it is cut back to the limit, off the main thread, and nothing is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-wal-'));
    dirs.push(dir);
    const file = join(dir, 'vigil.db');
    const { db } = openDatabase(file);
    const stores = sqliteStores(db, file);
    open.push(stores);
    expect(stores.reads.runsOn).toBe('worker'); // where the checkpoints run
    const wal = () => statSync(`${file}-wal`).size;
    const insert = (key: string, i: number) => stores.outbox.insert({ channel: 'hook', key, message: message(i), now: 1, expiresAt: 2 });
    // The storm: 25,000 notifications queued in 25 commits (below the 10,000-page autocheckpoint).
    for (let b = 0; b < 25; b++) stores.transaction(() => Array.from({ length: 1_000 }, (_, i) => insert(`s${b}-${i}`, b * 1_000 + i)));
    expect(wal()).toBeGreaterThan(5 * WAL_LIMIT_BYTES);
    // Afterwards the laptop goes on with a write now and then (a probe, a heartbeat).
    const end = Date.now() + 60_000;
    let n = 0;
    while (wal() > WAL_LIMIT_BYTES) {
      if (Date.now() > end) throw new Error(`WAL still ${wal()} bytes a minute after the storm`);
      stores.transaction(() => insert(`after-${n}`, n++));
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(wal()).toBeLessThanOrEqual(WAL_LIMIT_BYTES);
    expect(db.prepare(`SELECT count(*) AS n FROM outbox`).get()).toEqual({ n: 25_000 + n });
  }, 90_000);
});
