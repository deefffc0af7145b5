import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAudit } from '../audit';
import { systemClock, type Clock } from '../clock';
import { ConfigSchema, type Config } from '../config';
import { createHeal } from '../heal';
import { createMetrics } from '../metrics';
import { openDatabase, type Database, sqliteStores } from '../store';
import { createDiagnostics } from './diag';
import type { RemoteEvent } from './events';
import { createHostService } from './hosts';
import { createPolicy } from './policy';
import { SshPool } from './pool';

/**
 * Test wiring of remote + heal on a real SQLite file, for tests against the
 * real sshd fixture (e2e/fixtures/sshd.ts). Not used by the app.
 */
export function remoteTestbed(opts: { hosts: unknown[]; config?: Record<string, unknown>; clock?: Clock }) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-remote-'));
  const { db } = openDatabase(join(dir, 'vigil.db'));
  const config: Config = ConfigSchema.parse({ hosts: opts.hosts, ...(opts.config ?? {}) });
  const clock = opts.clock ?? systemClock;
  const events: RemoteEvent[] = [];
  const sink = (e: RemoteEvent) => void events.push(e);
  const stores = sqliteStores(db);
  const audit = createAudit(stores, clock);
  const hostRepo = stores.hosts;
  const metrics = createMetrics();
  const hosts = createHostService({ hosts: config.hosts, repo: hostRepo, audit, clock, sink, onAccepted: (h) => pool.drop(h) });
  const pool: SshPool = new SshPool({
    resolve: (n) => {
      const h = hosts.config(n);
      return h && { name: h.name, address: h.address, port: h.port, user: h.user, keyFile: h.keyFile };
    },
    hooks: hosts.hooks,
    clock: systemClock, // real timers for the network; the heal/audit clock may be fake
    channelsPerHost: config.remote.channelsPerHost,
    defaultMaxBytes: config.remote.maxOutput,
  });
  const policy = createPolicy({ allowedRoots: config.remote.allowedRoots });
  const diag = createDiagnostics({ policy, pool, hosts, audit, maxBytes: config.remote.maxOutput, timeoutMs: config.remote.execTimeout });
  const memory = stores.memory;
  const heal = createHeal({
    config,
    repo: stores.heal,
    transaction: stores.transaction,
    audit,
    pool,
    clock,
    metrics,
    sink,
    knowledge: (k) =>
      void memory.add({ kind: 'resolution', source: 'autoheal', title: k.title, body: k.body, tags: k.tags, ref: k.ref }, clock.now()),
    hostExists: (h) => hosts.has(h),
    changed: () => undefined,
  });
  return {
    db: db as Database,
    config,
    events,
    audit,
    hostRepo,
    metrics,
    pool,
    hosts,
    policy,
    diag,
    heal,
    memory,
    /** Make every later audit append fail (the audit file is "unwritable"). */
    breakAudit: (): void =>
      void db.exec(
        `CREATE TRIGGER audit_log_broken BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END`,
      ),
    async close() {
      await pool.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type RemoteTestbed = ReturnType<typeof remoteTestbed>;
