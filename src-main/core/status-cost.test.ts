import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from './app';
import { loadConfig } from './config';

// The status snapshot runs on every SSE connect and every tick (R-SEC-4): each statement it runs must
// reach its rows through an index constraint, never by walking a table (or an index) that grows with
// history. Checked on SQLite's own query plans, so the test does not depend on the machine's speed.

/** Partial indexes that hold only live work (rows leave them when processed), so walking them is bounded. */
const LIVE_ONLY_INDEXES = ['events_inbox'];
/** Tables bounded by configuration or by live work, not by history. */
const BOUNDED_TABLES = ['intake_batches', 'heal_settings', 'telegram_offsets'];

interface Ran {
  sql: string;
  args: unknown[];
}

/** Record every statement better-sqlite3 steps while `fn` runs (Statement.prototype is shared by all connections). */
function recordStatements(fn: () => void): Ran[] {
  const proto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<string, unknown>;
  const ran: Ran[] = [];
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  for (const m of ['get', 'all', 'iterate', 'run']) {
    const o = proto[m] as (...a: unknown[]) => unknown;
    originals.set(m, o);
    proto[m] = function (this: { source: string }, ...args: unknown[]) {
      ran.push({ sql: this.source, args });
      return o.apply(this, args);
    };
  }
  try {
    fn();
  } finally {
    for (const [m, o] of originals) proto[m] = o;
  }
  return ran;
}

/** Plan steps that walk something growing with history. */
function unboundedSteps(db: Database.Database, ran: Ran): string[] {
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${ran.sql}`).all(...(ran.args as [])) as Array<{ detail: string }>;
  return plan
    .map((p) => p.detail)
    .filter((d) => {
      const m = /^(SCAN|SEARCH) (\w+)/.exec(d);
      if (!m || d.includes('CONSTANT ROW') || d.includes('VIRTUAL TABLE') || BOUNDED_TABLES.includes(m[2]!)) return false;
      // SQLite answers a bare `SELECT max(col) FROM t` from one end of an index (its min/max optimisation).
      if (new RegExp(`\\b(max|min)\\(\\w+\\) FROM ${m[2]}\\s*\\)`, 'i').test(ran.sql)) return false;
      if (LIVE_ONLY_INDEXES.some((i) => d.includes(`INDEX ${i}`))) return false;
      // A SEARCH with a constraint in parentheses seeks; a SEARCH without one (min/max walking an index) or a SCAN walks.
      return m[1] === 'SCAN' || !/\(.+\)/.test(d);
    });
}

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('status snapshot cost', () => {
  it('R-SEC-4: every statement of a status snapshot seeks by index; none walks a table that grows with history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-status-'));
    dirs.push(dir);
    const core = createCore({ config: loadConfig().config, dataDir: dir, log: pino({ level: 'silent' }) });
    await core.start();
    try {
      const ran = recordStatements(() => core.status());
      expect(ran.length).toBeGreaterThan(3); // the snapshot does read the database
      const db = new Database(join(dir, 'vigil.db'), { readonly: true });
      const offenders = ran.flatMap((r) => unboundedSteps(db, r).map((d) => `${d}  ←  ${r.sql.replace(/\s+/g, ' ').slice(0, 120)}`));
      db.close();
      expect(offenders).toEqual([]);
    } finally {
      await core.stop();
    }
  });
});

describe('deciding cost', () => {
  it('R-SEC-4: deciding an event seeks every table it reads by index, so a storm of many open incidents stays linear', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-decide-'));
    dirs.push(dir);
    const core = createCore({ config: loadConfig().config, dataDir: dir, log: pino({ level: 'silent' }) });
    await core.start();
    try {
      const { router } = core.areas;
      // 300 open incidents (one per alertname) before the event under test: a walk over them is what a storm paid per event.
      const firing = (name: string) => ({
        source: 'alertmanager',
        fingerprint: `fp-${name}`,
        severity: 'warning' as const,
        status: 'firing' as const,
        summary: `${name} firing`,
        description: null,
        labels: { alertname: name, instance: 'web1' },
        startsAt: null,
        endsAt: null,
      });
      router.ingest(
        Array.from({ length: 300 }, (_, i) => firing(`Storm${i}`)),
        'test',
      );
      await router.drain();
      const ran = recordStatements(() => router.ingest([firing('Storm7'), firing('Fresh')], 'test'));
      expect(ran.some((r) => r.sql.includes('alert_incidents'))).toBe(true); // the incident stage did run
      const db = new Database(join(dir, 'vigil.db'), { readonly: true });
      const offenders = ran.flatMap((r) =>
        unboundedSteps(db, r)
          .concat(
            // An index on status alone is a walk of every open incident, not a seek.
            (db.prepare(`EXPLAIN QUERY PLAN ${r.sql}`).all(...(r.args as [])) as Array<{ detail: string }>)
              .map((p) => p.detail)
              .filter((d) => /^SEARCH \w+ USING (COVERING )?INDEX \w+ \(status=\?\)$/.test(d)),
          )
          .map((d) => `${d}  ←  ${r.sql.replace(/\s+/g, ' ').slice(0, 120)}`),
      );
      db.close();
      expect(offenders).toEqual([]);
    } finally {
      await core.stop();
    }
  });
});
