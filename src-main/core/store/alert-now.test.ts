import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ack } from './acks';
import type { AlertState } from './alert-state';
import { openDatabase, type Database } from './db';
import { sqliteStores } from './stores';

let dir = '';
let db: Database | null = null;
afterEach(() => {
  db?.close();
  db = null;
  rmSync(dir, { recursive: true, force: true });
});

const state = (o: Partial<AlertState> = {}): AlertState => ({
  fingerprint: 'fp-1',
  source: 'alertmanager',
  severity: 'critical',
  status: 'firing',
  summary: 'Disk full',
  labels: { alertname: 'DiskFull' },
  firstSeen: 100,
  lastSeen: 150,
  lastEventId: 'e-1',
  count: 2,
  notifiedStatus: 'firing',
  notifiedAt: 100,
  ...o,
});

const ack = (o: Partial<Ack> = {}): Ack => ({
  fingerprint: 'fp-1',
  episode: 100,
  severity: 'critical',
  by: 'ana',
  at: 120,
  via: 'console',
  note: 'on it',
  state: 'active',
  endedAt: null,
  endedBy: null,
  ...o,
});

describe('what an alert is now, as a queued message is sent (R-NOTIFY-2)', () => {
  it('R-NOTIFY-2, R-SCALE-20: one read gives a batch’s alerts: status, when it changed and the acknowledgement of its current firing only', () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-alert-now-'));
    db = openDatabase(join(dir, 'vigil.db')).db;
    const s = sqliteStores(db, null);
    const now = (fp: string) => s.alerts.now([fp, 'fp-unknown']).get(fp) ?? null;
    expect(now('fp-1')).toBeNull();
    s.transaction(() => s.alertStates.put(state()));
    expect(now('fp-1')).toEqual({ status: 'firing', changedAt: 150, ack: null });
    s.transaction(() => s.acks.put(ack()));
    expect(now('fp-1')).toEqual({ status: 'firing', changedAt: 150, ack: { by: 'ana', at: 120 } });
    // Withdrawn: no acknowledgement.
    s.transaction(() => s.acks.end('fp-1', 'unacked', 130, 'ana'));
    expect(now('fp-1')?.ack).toBeNull();
    // An acknowledgement of an earlier firing does not count for the alert firing again.
    s.transaction(() => s.acks.put(ack({ episode: 50 })));
    expect(now('fp-1')?.ack).toBeNull();
    s.transaction(() => s.alertStates.put(state({ status: 'resolved', lastSeen: 200 })));
    expect(now('fp-1')).toEqual({ status: 'resolved', changedAt: 200, ack: null });
    // A batch's alerts in one read; the unknown one is left out.
    s.transaction(() => s.alertStates.put(state({ fingerprint: 'fp-2', lastSeen: 300 })));
    expect(s.alerts.now(['fp-1', 'fp-2', 'fp-3'])).toEqual(
      new Map([
        ['fp-1', { status: 'resolved', changedAt: 200, ack: null }],
        ['fp-2', { status: 'firing', changedAt: 300, ack: null }],
      ]),
    );
  });
});
