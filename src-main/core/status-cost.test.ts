import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from './app';
import { loadConfig } from './config';
import { offenders, recordStatements } from './store/testing';

// The status snapshot runs on every SSE connect and every tick (R-SEC-4): each statement it runs must
// reach its rows through an index constraint, never by walking a table (or an index) that grows with
// history. Checked on SQLite's own query plans, so the test does not depend on the machine's speed.

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('status snapshot cost', () => {
  it('R-SEC-4: every statement of a status snapshot seeks by index; none walks a table that grows with history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-status-'));
    dirs.push(dir);
    const core = createCore({ config: loadConfig().config, dataDir: dir, log: pino({ level: 'silent' }) });
    await core.start();
    try {
      const ran = await recordStatements(() => core.status());
      expect(ran.length).toBeGreaterThan(3); // the snapshot does read the database
      expect(offenders(join(dir, 'vigil.db'), ran)).toEqual([]);
    } finally {
      await core.stop();
    }
  });

  it('R-SEC-4: a console connecting (its first snapshot, held desktop notices retried) seeks by index only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-connect-'));
    dirs.push(dir);
    const core = createCore({ config: loadConfig().config, dataDir: dir, log: pino({ level: 'silent' }), desktopShownByConsole: true });
    await core.start();
    try {
      // What the SSE route does for each new stream; the outbox's retry of held desktop messages runs after a tick.
      const ran = await recordStatements(async () => {
        core.status();
        const leave = core.consoles!.connect('admin');
        await new Promise((r) => setTimeout(r, 50));
        leave();
      });
      expect(offenders(join(dir, 'vigil.db'), ran)).toEqual([]);
    } finally {
      await core.stop();
    }
  });
  it('R-SCALE-14: with alerts firing, a status snapshot counts them without reading one alert state (O(1), not O(firing))', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-firing-'));
    dirs.push(dir);
    const core = createCore({ config: loadConfig().config, dataDir: dir, log: pino({ level: 'silent' }) });
    await core.start();
    try {
      core.areas.router.ingest(
        Array.from({ length: 40 }, (_, i) => ({
          source: 'alertmanager',
          fingerprint: `fp-${i}`,
          severity: i % 4 ? ('warning' as const) : ('critical' as const),
          status: 'firing' as const,
          summary: `Alert${i} firing`,
          description: null,
          labels: { alertname: `Alert${i}`, instance: 'web1' },
          startsAt: null,
          endsAt: null,
        })),
        'test',
      );
      await core.areas.router.drain();
      let snapshot: ReturnType<typeof core.status> | undefined;
      const ran = await recordStatements(() => (snapshot = core.status()));
      expect(snapshot!.tiles.find((t) => t.id === 'alerts-firing')).toMatchObject({
        value: '40',
        reason: '10 critical, 30 warning, 0 info',
      });
      // One alert's state may be sought by key (the heartbeat's last ping); none walks the firing ones.
      expect(ran.filter((r) => /FROM alert_state\b[^]*\bstatus = 'firing'/.test(r.sql)).map((r) => r.sql)).toEqual([]);
    } finally {
      await core.stop();
    }
  });
});

describe('start-up cost', () => {
  it('R-SCALE-1: starting on a data dir with history runs no statement that walks a table growing with history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-start-'));
    dirs.push(dir);
    const opts = { config: loadConfig().config, dataDir: dir, log: pino({ level: 'silent' }) };
    const first = createCore(opts);
    await first.start();
    // History of every kind start-up might read: decided events, their notifications, audit rows, smoke runs.
    first.areas.router.ingest(
      Array.from({ length: 50 }, (_, i) => ({
        source: 'alertmanager',
        fingerprint: `fp-${i}`,
        severity: 'critical' as const,
        status: i % 2 ? ('resolved' as const) : ('firing' as const),
        summary: `Alert${i} firing`,
        description: null,
        labels: { alertname: `Alert${i}`, instance: 'web1' },
        startsAt: null,
        endsAt: null,
      })),
      'test',
    );
    await first.areas.router.drain();
    await first.smoke.run();
    await first.stop();

    const ran = await recordStatements(async () => {
      const core = createCore(opts);
      await core.start();
      await core.stop();
    });
    expect(ran.some((r) => /FROM events\b/.test(r.sql))).toBe(true); // start-up does read the events table (the inbox)
    // Besides the live-work tables: the schema, noise state (open groups, bursts, flaps; rows leave when they flush) and
    // the embedding queue (one row per memory insight, which retention bounds: memory not referenced).
    expect(offenders(join(dir, 'vigil.db'), ran, undefined, ['sqlite_master', 'noise_state', 'noise_members', 'embedding_queue'])).toEqual(
      [],
    );
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
      const ran = await recordStatements(() => router.ingest([firing('Storm7'), firing('Fresh')], 'test'));
      expect(ran.some((r) => r.sql.includes('alert_incidents'))).toBe(true); // the incident stage did run
      // An index on status alone is a walk of every open incident, not a seek.
      const statusWalks = (plan: string[]) => plan.filter((d) => /^SEARCH \w+ USING (COVERING )?INDEX \w+ \(status=\?\)$/.test(d));
      expect(offenders(join(dir, 'vigil.db'), ran, statusWalks)).toEqual([]);
    } finally {
      await core.stop();
    }
  });
});
