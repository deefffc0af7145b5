import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { alertEvent } from '../router/testing';
import { migrations } from './migrations';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const YAML = `channels: [{ name: sink, type: webhook, url: "http://127.0.0.1:9/hook", digest: 0 }]\nroutes: [{ channels: [sink] }]\n`;

describe('store migration 4: no events index by fingerprint', () => {
  it("R-SCALE-26: a data dir from before loses events_fingerprint, gets events_received with the fingerprint, and keeps its rows; an incident's raw records still list its members' events and no one else's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-idx-'));
    dirs.push(dir);
    const open = () => createCore({ config: parseConfig(YAML), dataDir: dir, log: createLogger(null) });
    let c = open();
    // Two alerts of one alertname open an incident; another alertname's alert is in the same time window.
    const members = ['web1', 'web2'].map((h) => alertEvent({ fingerprint: `disk-${h}`, labels: { alertname: 'DiskFull', instance: h } }));
    const other = alertEvent({ fingerprint: 'cpu-web3', summary: 'CPU high on web3', labels: { alertname: 'CpuHigh', instance: 'web3' } });
    const ids = c.areas.router.ingest([...members, other], 'POST /api/v1/events');
    await c.areas.router.drain();
    await c.stop();
    // As the previous version left it: the index by fingerprint, events_received by time alone, schema version 3.
    const old = new BetterSqlite3(join(dir, 'vigil.db'));
    old.exec(`DROP INDEX events_received; CREATE INDEX events_received ON events(received_at);
      CREATE INDEX events_fingerprint ON events(fingerprint, seq); PRAGMA user_version = 3`);
    old.close();

    c = open();
    const db = c.areas.db;
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name`).pluck().all()).toEqual([
      'events_id',
      'events_inbox',
      'events_received',
      'events_severity',
      'events_source',
    ]);
    expect(db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'events_received'`).pluck().get()).toMatch(
      /\(received_at, fingerprint\)/,
    );
    expect(db.prepare(`SELECT count(*) FROM events`).pluck().get()).toBe(3);
    const inc = c.ctx.stores.loop.listIncidents(10).find((i) => i.labels.alertname === 'DiskFull')!;
    const nd = await c.dispatch('incidents.export', { id: inc.id, format: 'ndjson' });
    if (!nd.ok) throw new Error(nd.error.message);
    const rows = (nd.value as { text: string }).text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { record: string; id?: string; fingerprint?: string })
      .filter((l) => l.record === 'events');
    expect(rows.map((r) => r.id)).toEqual(ids.slice(0, 2));
    await c.stop();
  });

  it("R-SCALE-26, R-SEC-4: an incident's raw records are read on the reads thread, not the thread that answers /health", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-idx-'));
    dirs.push(dir);
    const c = createCore({ config: parseConfig(YAML), dataDir: dir, log: createLogger(null) });
    const members = ['web1', 'web2'].map((h) => alertEvent({ fingerprint: `disk-${h}`, labels: { alertname: 'DiskFull', instance: h } }));
    const ids = c.areas.router.ingest(members, 'POST /api/v1/events');
    await c.areas.router.drain();
    expect(c.ctx.stores.reads.runsOn).toBe('worker');
    // Its window scan would hold the main thread in a storm: the main thread's repository must not be asked.
    c.ctx.stores.loop.records = () => {
      throw new Error('incident records read on the main thread');
    };
    const inc = c.ctx.stores.loop.listIncidents(10).find((i) => i.labels.alertname === 'DiskFull')!;
    const nd = await c.dispatch('incidents.export', { id: inc.id, format: 'ndjson' });
    if (!nd.ok) throw new Error(nd.error.message);
    const events = (nd.value as { text: string }).text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { record: string; id?: string; trace?: string })
      .filter((l) => l.record === 'events');
    expect(events.map((r) => r.id)).toEqual(ids);
    expect(events[0]!.trace).toContain('new fingerprint'); // the whole trace text, as exports always carried it
    await c.stop();
  });
});
