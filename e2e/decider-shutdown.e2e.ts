import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startVigil } from './fixtures/serve';
import { startWebhookReceiver, type WebhookReceiver } from './fixtures/webhook-receiver';
import { drained, hookConfig, postEvents, writeConfig } from './pages/setup';

/**
 * SIGTERM on the built `vigil serve` with the decider thread (R-SCALE-7/8): drain, then stop — and never wait for
 * ever on a decider that cannot decide. What is in the database file after the process is gone is what counts.
 */
let hook: WebhookReceiver;
beforeAll(async () => {
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook.close();
});

const decided = (dataDir: string) => {
  const db = new BetterSqlite3(join(dataDir, 'vigil.db'), { readonly: true });
  try {
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return { events: n(`SELECT count(*) AS n FROM events WHERE processed = 1`), outbox: n(`SELECT count(*) AS n FROM outbox`) };
  } finally {
    db.close();
  }
};
const storm = (tag: string, requests: number, each: number) =>
  Array.from({ length: requests }, (_, r) =>
    Array.from({ length: each }, (_, i) => ({ source: 'app', severity: 'critical' as const, summary: `${tag} ${r}-${i}` })),
  );

describe('vigil serve SIGTERM with the decider thread', () => {
  it('R-SCALE-7: SIGTERM right after a storm is acknowledged drains it first: every event decided and its message queued, exit 0', async () => {
    const config = writeConfig(hookConfig(hook.url));
    const v = await startVigil({ config });
    try {
      const ids = (await Promise.all(storm('drain', 10, 100).map((b) => postEvents(v, b)))).flat();
      expect(await v.stop('SIGTERM')).toBe(0);
      expect(decided(v.dataDir)).toEqual({ events: ids.length, outbox: ids.length });
    } finally {
      await v.stop('SIGKILL');
      removeDir(v.dataDir);
    }
  }, 120_000);

  it('R-SCALE-8: SIGTERM while deciding fails stops at once (exit 0) and keeps what was acknowledged; the next start decides and sends it once', async () => {
    const config = writeConfig(hookConfig(hook.url));
    const v = await startVigil({ config });
    const fault = new BetterSqlite3(join(v.dataDir, 'vigil.db'));
    fault.exec(`CREATE TRIGGER test_fault BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'database disk image is malformed'); END`);
    let again: Awaited<ReturnType<typeof startVigil>> | null = null;
    try {
      const ids = await postEvents(v, storm('kept', 1, 20)[0]!);
      await expect
        .poll(async () => (await (await v.api('/metrics')).text()).match(/^vigil_router_deciding_failing (\d)$/m)?.[1], { timeout: 30_000 })
        .toBe('1');
      const code = await Promise.race([v.stop('SIGTERM'), new Promise((r) => setTimeout(() => r('still running after 30 s'), 30_000))]);
      expect(code).toBe(0);
      expect(decided(v.dataDir)).toEqual({ events: 0, outbox: 0 });
      fault.exec(`DROP TRIGGER test_fault`);
      fault.close();
      again = await startVigil({ config, dataDir: v.dataDir });
      await drained(again, ids);
      const kept = () => hook.delivered.filter((d) => d.body.message.title.includes('kept ')).map((d) => d.body.message.title);
      await expect.poll(() => kept().length, { timeout: 30_000 }).toBe(20);
      expect(new Set(kept()).size).toBe(20);
    } finally {
      if (fault.open) fault.close();
      await again?.stop('SIGTERM');
      await v.stop('SIGKILL');
      removeDir(v.dataDir);
    }
  }, 120_000);
});
