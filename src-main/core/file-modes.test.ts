import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from './app';
import { FakeClock } from './clock';
import { parseConfig } from './config';

const mode = (f: string): string => (statSync(f).mode & 0o777).toString(8);
const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')('files the core writes are private (R-SEC-8)', () => {
  it('R-SEC-8: in an existing 0755 data dir, vigil.db, its WAL/SHM and the log are 0600 and the dir is tightened to 0700', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-modes-'));
    dirs.push(dir);
    chmodSync(dir, 0o755);
    const old = process.umask(0o022);
    try {
      const core = createCore({ config: parseConfig('smoke: { enabled: false }'), dataDir: dir, clock: new FakeClock() });
      cores.push(core);
      await core.start();
      core.areas.db.prepare('CREATE TABLE IF NOT EXISTS t (x)').run(); // a write, so the WAL exists
      expect({
        dir: mode(dir),
        db: mode(join(dir, 'vigil.db')),
        wal: mode(join(dir, 'vigil.db-wal')),
        shm: mode(join(dir, 'vigil.db-shm')),
        logs: mode(join(dir, 'logs')),
        log: mode(join(dir, 'logs', 'vigil.log')),
      }).toEqual({ dir: '700', db: '600', wal: '600', shm: '600', logs: '700', log: '600' });
    } finally {
      process.umask(old);
    }
  });

  it('R-SEC-8: a database and log left 0644 by an older version are tightened on open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-modes-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'vigil.db'), '', { mode: 0o644 });
    const first = createCore({ config: parseConfig('smoke: { enabled: false }'), dataDir: dir, clock: new FakeClock() });
    await first.start();
    await first.stop();
    for (const f of ['vigil.db', 'vigil.db-wal', 'vigil.db-shm', 'logs/vigil.log']) {
      try {
        chmodSync(join(dir, f), 0o644);
      } catch {
        /* -wal/-shm are gone after a clean close */
      }
    }
    const core = createCore({ config: parseConfig('smoke: { enabled: false }'), dataDir: dir, clock: new FakeClock() });
    cores.push(core);
    expect([mode(join(dir, 'vigil.db')), mode(join(dir, 'logs', 'vigil.log'))]).toEqual(['600', '600']);
  });
});
