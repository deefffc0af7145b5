import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { RetentionView } from '../../../src-shared/api/retention';
import type { Result } from '../../../src-shared/result';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { createAudit } from '../audit';
import { FakeClock } from '../clock';
import { parseConfig } from '../config';
import { openDatabase, sqliteStores, sqliteRetentionStore, type Database } from '../store';
import { auditArchivePath, readArchive } from './archive';
import { prunePass, type RetentionPolicy } from './pass';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'vigil-retention-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const policy: RetentionPolicy = {
  events: 90 * DAY,
  resolvedAlerts: 30 * DAY,
  deliveredOutbox: 7 * DAY,
  finishedPlans: 180 * DAY,
  smokeHistory: 30 * DAY,
  unreferencedMemory: null,
  audit: 365 * DAY,
};

/** Old and recent rows of every kind, plus live work that is old but must stay. */
function seed(db: Database): void {
  const ev = db.prepare(
    `INSERT INTO events (id, source, fingerprint, severity, status, summary, labels, received_at, processed) VALUES (?, 'app', 'fp', 'warning', 'firing', 's', '{}', ?, ?)`,
  );
  for (let i = 0; i < 1200; i++) ev.run(`old-${i}`, NOW - 200 * DAY + i, 1);
  for (let i = 0; i < 10; i++) ev.run(`new-${i}`, NOW - DAY, 1);
  ev.run('old-unprocessed', NOW - 200 * DAY, 0); // acknowledged, still in the inbox: never pruned
  const ob = db.prepare(
    `INSERT INTO outbox (channel, idem_key, message, state, created_at, expires_at, attempts) VALUES ('tg', ?, '{}', ?, ?, ?, 0)`,
  );
  ob.run('sent-old', 'sent', NOW - 30 * DAY, NOW);
  ob.run('pending-old', 'pending', NOW - 30 * DAY, NOW + DAY); // waiting for its channel: never pruned
  ob.run('sent-new', 'sent', NOW - DAY, NOW);
  const sm = db.prepare(`INSERT INTO smoke_history (at, check_id, status, value, reason) VALUES (?, 'router', 0, 0, '')`);
  sm.run(NOW - 60 * DAY);
  sm.run(NOW - DAY);
}

const count = (db: Database, sql: string): number => (db.prepare(sql).get() as { n: number }).n;

describe('retention (issue 17.3)', () => {
  it('R-SEC-4: removes only what is older than its kind keeps, in batches, and never live work (inbox, queued messages)', () => {
    const { db } = openDatabase(join(tempDir(), 'vigil.db'));
    seed(db);
    const removed = prunePass(sqliteRetentionStore(db), { policy, now: NOW, batch: 500, maxBatches: 100, archiveFile: null });
    expect(removed).toMatchObject({ events: 1200, deliveredOutbox: 1, smokeHistory: 1 });
    expect(count(db, `SELECT count(*) AS n FROM events`)).toBe(11);
    expect(count(db, `SELECT count(*) AS n FROM events WHERE id = 'old-unprocessed'`)).toBe(1);
    expect(count(db, `SELECT count(*) AS n FROM outbox WHERE idem_key IN ('pending-old', 'sent-new')`)).toBe(2);
    expect(count(db, `SELECT count(*) AS n FROM outbox`)).toBe(2);
    db.close();
  });

  it('R-SEC-4: a pass stops after its batch budget and the next pass goes on (the write lock is held briefly)', () => {
    const { db } = openDatabase(join(tempDir(), 'vigil.db'));
    seed(db);
    const first = prunePass(sqliteRetentionStore(db), { policy, now: NOW, batch: 100, maxBatches: 3, archiveFile: null });
    expect(first.events).toBe(300);
    const second = prunePass(sqliteRetentionStore(db), { policy, now: NOW, batch: 500, maxBatches: 100, archiveFile: null });
    expect(second.events).toBe(900);
    db.close();
  });

  it('R-HEAL-5: old audit rows move to an NDJSON archive (0600) and the chain still verifies over archive + live; a tampered archive is found', () => {
    const dir = tempDir();
    const { db } = openDatabase(join(dir, 'vigil.db'));
    const clock = new FakeClock(NOW - 400 * DAY);
    const archive = auditArchivePath(dir);
    const audit = createAudit(sqliteStores(db), clock, { archive: () => readArchive(archive) });
    for (let i = 0; i < 30; i++) audit.append({ actor: 'alice', action: 'ack', subject: `fp-${i}` });
    clock.set(NOW);
    for (let i = 0; i < 5; i++) audit.append({ actor: 'bob', action: 'silence.create', subject: `s-${i}` });

    // A person's DELETE of a row that is not archived is refused by the database itself.
    expect(() => db.prepare('DELETE FROM audit_log WHERE id = 1').run()).toThrow(/append-only/);

    const removed = prunePass(sqliteRetentionStore(db), { policy, now: NOW, batch: 7, maxBatches: 100, archiveFile: archive });
    expect(removed.audit).toBe(30);
    expect(count(db, 'SELECT count(*) AS n FROM audit_log')).toBe(5);
    expect([...readArchive(archive)].map((r) => r.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    expect(audit.verifyChain()).toEqual({ ok: true, rows: 35, firstBroken: null });
    // Appends go on chaining from the newest live row.
    audit.append({ actor: 'carol', action: 'mute.set' });
    expect(audit.verifyChain().ok).toBe(true);

    writeFileSync(
      archive,
      readFileSync(archive, 'utf8').replace(
        '"actor":"alice","action":"ack","subject":"fp-3"',
        '"actor":"mallory","action":"ack","subject":"fp-3"',
      ),
    );
    expect(audit.verifyChain()).toMatchObject({ ok: false, firstBroken: { id: 4 } });
    db.close();
  });

  it('R-HEAL-5: a crash after the archive was written but before the rows left the database loses nothing and duplicates nothing', () => {
    const dir = tempDir();
    const { db } = openDatabase(join(dir, 'vigil.db'));
    const clock = new FakeClock(NOW - 400 * DAY);
    const archive = auditArchivePath(dir);
    const audit = createAudit(sqliteStores(db), clock, { archive: () => readArchive(archive) });
    for (let i = 0; i < 10; i++) audit.append({ actor: 'alice', action: 'ack', subject: `fp-${i}` });
    clock.set(NOW);
    audit.append({ actor: 'bob', action: 'ack' });
    // The archive got rows 1–4 (fsynced) and then the process died: they are in both places.
    const rows = audit.list({ limit: 100 }).reverse().slice(0, 4);
    appendFileSync(archive, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    expect(audit.verifyChain()).toEqual({ ok: true, rows: 11, firstBroken: null });

    const removed = prunePass(sqliteRetentionStore(db), { policy, now: NOW, batch: 500, maxBatches: 100, archiveFile: archive });
    expect(removed.audit).toBe(10);
    expect([...readArchive(archive)].map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(audit.verifyChain()).toEqual({ ok: true, rows: 11, firstBroken: null });
    db.close();
  });

  it('R-SEC-4: the core prunes on its own worker thread and connection; Settings sees the database size and what is due', async () => {
    const dir = tempDir();
    const { db } = openDatabase(join(dir, 'vigil.db'));
    seed(db);
    db.close();
    const clock = new FakeClock(NOW);
    const core = createCore({ config: parseConfig('retention: { events: 90d }'), dataDir: dir, clock, log: pino({ level: 'silent' }) });
    await core.start();
    try {
      const before = (await core.call('retention.get', {})) as Result<RetentionView>;
      if (!before.ok) throw new Error(before.error.message);
      expect(before.value.runsOn).toBe('worker');
      expect(before.value.databaseBytes).toBeGreaterThan(0);
      // Every file of the data counts on disk: the WAL and the intake inbox (inbox.db and its WAL) too.
      const bytes = (...f: string[]) => f.reduce((a, n) => a + (existsSync(join(dir, n)) ? statSync(join(dir, n)).size : 0), 0);
      expect(before.value.walBytes).toBeGreaterThan(0);
      expect(before.value.inboxBytes).toBeGreaterThanOrEqual(bytes('inbox.db'));
      expect(bytes('inbox.db')).toBeGreaterThan(0);
      // 1,200 old events, and the old inbox event that start-up has just processed (now history too).
      expect(before.value.kinds.find((k) => k.kind === 'events')).toEqual({ kind: 'events', keepMs: 90 * DAY, due: 1201 });
      const after = (await core.call('retention.run', {})) as Result<RetentionView>;
      if (!after.ok) throw new Error(after.error.message);
      expect(after.value.lastPass).toMatchObject({ removed: { events: 1201 }, error: null });
      expect(after.value.kinds.find((k) => k.kind === 'events')?.due).toBe(0);
      const events = (await core.call('events.list', { limit: 100 })) as Result<{ items: Array<{ id: string }> }>;
      if (!events.ok) throw new Error(events.error.message);
      expect(events.value.items.map((e) => e.id)).not.toContain('old-0');
    } finally {
      await core.stop();
    }
  });
});
