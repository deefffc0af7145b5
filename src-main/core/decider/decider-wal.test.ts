import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openContext } from '../areas';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { openDatabase, WAL_LIMIT_BYTES } from '../store';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const noop = () => undefined;
const toMain = {
  kickChannel: noop,
  kickEscalator: noop,
  propose: noop,
  followUp: noop,
  decided: noop,
  synced: noop,
  count: noop,
  failing: noop,
};

describe('the decider thread and the WAL (R-SCALE-32)', () => {
  it('R-SCALE-32: in a storm the decider writes the WAL over its own blocks (never cut back and regrown between checkpoints); after it the main thread cuts it back to 4 MB; nothing lost', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-decider-wal-'));
    dirs.push(dir);
    const file = join(dir, 'vigil.db');
    const main = openDatabase(file).db; // the main thread's connection migrates the file first
    // The decider role's own connection (decider/core.ts opens it this way on its thread).
    const rt = openContext({ config: parseConfig(''), dataDir: dir, log: createLogger(null), toMain });
    const db = rt.db;
    const wal = () => statSync(`${file}-wal`).size;
    db.exec(`CREATE TABLE storm (k INTEGER PRIMARY KEY, v BLOB NOT NULL)`);
    const insert = db.prepare(`INSERT INTO storm (v) VALUES (?)`);
    const page = Buffer.alloc(3_000, 1); // one WAL frame a row
    // A storm: 30 deciding commits of 500 pages, past the 10,000-page autocheckpoint (which then restarts the WAL).
    const sizes: number[] = [];
    for (let c = 0; c < 30; c++) {
      db.transaction(() => {
        for (let i = 0; i < 500; i++) insert.run(page);
      }).immediate();
      sizes.push(wal());
    }
    const peak = Math.max(...sizes);
    expect(peak).toBeGreaterThan(10 * WAL_LIMIT_BYTES); // an autocheckpoint cycle's worth
    // Past the autocheckpoint the WAL restarted and the later commits wrote over the file's blocks: it never shrank.
    for (let c = 1; c < sizes.length; c++) expect(sizes[c]).toBeGreaterThanOrEqual(sizes[c - 1]!);
    // After the storm (store/reads.ts keepWalSmall checkpoints PASSIVE), the main thread's next write cuts it back.
    main.pragma('wal_checkpoint(PASSIVE)');
    main.prepare(`INSERT INTO storm (v) VALUES (?)`).run(page);
    expect(wal()).toBeLessThanOrEqual(WAL_LIMIT_BYTES);
    expect(main.prepare(`SELECT count(*) AS n FROM storm`).get()).toEqual({ n: 30 * 500 + 1 });
    rt.ctx.stores.inbox.close();
    db.close();
    main.close();
  });
});
