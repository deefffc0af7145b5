import BetterSqlite3 from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app';
import { parseConfig } from '../../core/config';
import { createLogger } from '../../core/log';
import { listenHttp } from '../testing';

/**
 * The 202 of HTTP intake waits only for the fsynced append to inbox.db (docs/architecture.md "Threads"): real HTTP,
 * a real data dir, the real intake and decider threads. A deciding transaction holding vigil.db's write lock
 * does not hold it back; the event is decided once the lock is free.
 */
const TOKEN = 'intake-lock-token-0123456789abcdefghijklmnop';
const dir = mkdtempSync(join(tmpdir(), 'vigil-intake-lock-'));
let core: Core;
let app: FastifyInstance;
let base = '';
beforeAll(async () => {
  core = createCore({
    config: parseConfig('channels: [{ name: desktop, type: desktop }]\nroutes: [{ channels: [desktop] }]'),
    dataDir: dir,
    log: createLogger(null),
    secrets: { get: () => undefined, names: () => [] },
    decider: 'worker',
  });
  await core.start();
  ({ app, base } = await listenHttp({ core, token: TOKEN }));
});
afterAll(async () => {
  await app.close();
  await core.stop();
  rmSync(dir, { recursive: true, force: true });
});

const post = (summary: string) =>
  fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ source: 'ci', severity: 'critical', summary, labels: { alertname: summary } }),
    signal: AbortSignal.timeout(20_000),
  });

describe('HTTP intake beside a deciding transaction (R-ROUTE-2, R-SCALE-7)', { timeout: 120_000 }, () => {
  it("R-ROUTE-2, R-SCALE-7, R-INBOX-1: an event is answered 202 while another connection holds vigil.db's write lock, and decided once it is released", async () => {
    expect((await post('Warmup')).status).toBe(202); // the intake thread is up
    await core.areas.router.drain();
    const decider = new BetterSqlite3(join(dir, 'vigil.db'));
    decider.exec('BEGIN IMMEDIATE'); // as the decider thread's deciding transaction holds it
    decider.prepare(`INSERT INTO meta (key, value) VALUES ('deciding', '1')`).run();
    let id: string | undefined;
    try {
      const res = await post('DuringDecide');
      expect(res.status).toBe(202);
      id = ((await res.json()) as { ids: string[] }).ids[0]!;
      expect(await core.call('events.get', { id: id! })).toMatchObject({ ok: true, value: { processed: false } });
    } finally {
      decider.exec('COMMIT');
      decider.close();
    }
    await core.areas.router.drain();
    expect(await core.call('events.get', { id: id! })).toMatchObject({ ok: true, value: { processed: true, outcome: 'notified' } });
  });
});
