import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import type { IntakeEvent } from '../router';
import { alertEvent } from '../router/testing';
import { migrations } from './migrations';

const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.stop();
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const YAML = `router: { flapWindow: 10m }
channels: [{ name: sink, type: webhook, url: "http://127.0.0.1:9/hook", digest: 0 }]
routes: [{ channels: [sink] }]
`;

/** A core on a real data dir (vigil.db a file), deciding inline. */
function bed(dir = mkdtempSync(join(tmpdir(), 'vigil-members-'))) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const core = createCore({ config: parseConfig(YAML), dataDir: dir, log: createLogger(null) });
  cores.push(core);
  const send = async (...evs: IntakeEvent[]) => {
    core.areas.router.ingest(evs, 'POST /api/v1/events');
    await core.areas.router.drain();
    await new Promise((r) => setTimeout(r, 3)); // the next incident opens at a later millisecond
  };
  const incidents = () =>
    Object.fromEntries(core.ctx.stores.loop.listIncidents(50).map((i) => [i.groupKey.split('=')[1]!, i.status] as const));
  const stop = async () => {
    cores.splice(cores.indexOf(core), 1);
    await core.stop();
  };
  return { dir, core, send, incidents, stop };
}
const alert = (fp: string, alertname: string, status: 'firing' | 'resolved' = 'firing') =>
  alertEvent({ fingerprint: fp, status, labels: { alertname, instance: fp } });

describe('incident members without an index by fingerprint (the deciding pass knows the open incidents’ members)', () => {
  it('R-SCALE-31, R-LOOP-3: a data dir from before loses incident_members_fp; members that fired before the restart resolve their incidents after it, an alert in two open incidents (its group changed) resolves both, and the latest incident of an alert is found', async () => {
    let b = bed();
    await b.send(alert('web1', 'DiskFull'), alert('web2', 'DiskFull'));
    await b.send(alert('moved', 'Foo'));
    await b.send(alert('moved', 'Bar')); // same alert, another group: a member of both open incidents
    await b.stop();
    // As the previous version left it: the index by fingerprint, schema version 4.
    const old = new BetterSqlite3(join(b.dir, 'vigil.db'));
    old.exec(`CREATE INDEX IF NOT EXISTS incident_members_fp ON incident_members(fingerprint); PRAGMA user_version = 4`);
    old.close();

    b = bed(b.dir);
    const db = b.core.areas.db;
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
    // WITHOUT ROWID: its primary key (incident_id, fingerprint) is the table; no other index.
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incident_members'`).pluck().all()).toEqual([]);
    expect(b.incidents()).toEqual({ DiskFull: 'open', Foo: 'open', Bar: 'open' });
    await b.send(alert('web1', 'DiskFull', 'resolved'));
    expect(b.incidents().DiskFull).toBe('open'); // web2 still fires
    await b.send(alert('web2', 'DiskFull', 'resolved'));
    await b.send(alert('moved', 'Bar', 'resolved'));
    expect(b.incidents()).toEqual({ DiskFull: 'resolved', Foo: 'resolved', Bar: 'resolved' });
    const loop = b.core.ctx.stores.loop;
    expect(loop.latestIncidentOf('moved')?.groupKey).toBe('r0|alertname=Bar');
    expect(loop.latestIncidentOf('web1')?.groupKey).toBe('r0|alertname=DiskFull');
    expect(loop.latestIncidentOf('nobody')).toBeNull();
  });

  it('R-SCALE-31, R-LOOP-3: a reopened incident knows its members again (one resolves, the other still fires), across a restart too', async () => {
    let b = bed();
    await b.send(alert('a', 'DiskFull'), alert('b', 'DiskFull'));
    await b.send(alert('a', 'DiskFull', 'resolved'), alert('b', 'DiskFull', 'resolved'));
    expect(b.incidents()).toEqual({ DiskFull: 'resolved' });
    await b.send(alert('a', 'DiskFull'), alert('b', 'DiskFull')); // within the flap window: reopened
    await b.send(alert('a', 'DiskFull', 'resolved'));
    expect(b.incidents()).toEqual({ DiskFull: 'open' }); // b fires
    await b.stop();
    b = bed(b.dir);
    await b.send(alert('b', 'DiskFull', 'resolved'));
    expect(b.incidents()).toEqual({ DiskFull: 'resolved' });
    const members = b.core.areas.db.prepare(`SELECT fingerprint, status FROM incident_members ORDER BY fingerprint`).all();
    expect(members).toEqual([
      { fingerprint: 'a', status: 'resolved' },
      { fingerprint: 'b', status: 'resolved' },
    ]);
  });
});
