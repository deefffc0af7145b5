import BetterSqlite3 from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import type { IntakeEvent } from '../router';
import { Topic } from '../../../src-shared/api/topics';
import type { ChannelHealth } from '../../../src-shared/api/outbox';

/**
 * The sender thread (docs/architecture.md "Threads", R-SCALE-17): a real SQLite file, the real worker thread (the
 * TypeScript source through the tsx bootstrap) and a real webhook receiver in a process of its own, so it answers
 * while this test holds the main thread.
 */
const RECEIVER = `
const got = [];
require('node:http').createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    if (req.method === 'GET') return res.end(JSON.stringify(got));
    got.push({ key: JSON.parse(body).idempotencyKey, at: Date.now() });
    // Messages about "slow" alerts are answered after 800 ms (sends in flight while a test takes the write lock), about
    // "steady" ones after 300 ms (a channel's 8 sends at once take a while for 20).
    setTimeout(() => res.end('{}'), body.includes('slow') ? 800 : body.includes('steady') ? 300 : 0);
  });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

let receiver: ChildProcess;
let hookUrl = '';
const dirs: string[] = [];
const cores: Core[] = [];

beforeAll(async () => {
  receiver = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((ok) => createInterface({ input: receiver.stdout! }).once('line', ok));
  hookUrl = `http://127.0.0.1:${port}/hook`;
});
afterAll(async () => {
  for (const c of cores) if (c.areas.db.open) await c.stop();
  receiver.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** What the receiver got so far: idempotency keys and when (epoch ms, its clock is this machine's). */
const received = async (): Promise<Array<{ key: string; at: number }>> => (await fetch(hookUrl)).json() as never;

async function serve(): Promise<{ core: Core; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sender-'));
  dirs.push(dir);
  const text = [`channels: [ { name: hook, type: webhook, url: "${hookUrl}", digest: 0 } ]`, 'routes: [{ channels: [hook] }]'].join('\n');
  writeFileSync(join(dir, 'vigil.yaml'), text);
  const core = createCore({
    config: parseConfig(text),
    dataDir: dir,
    log: createLogger(null),
    secrets: { get: () => undefined, names: () => [] },
    sender: 'worker',
    decider: 'worker', // deciding (and the noise book's flushes) off this thread too: the test sees only the outbox's waits
  });
  cores.push(core);
  await core.start();
  // The thread is up (it loads the TypeScript source, seconds under load) once a first message went out.
  const before = (await received()).length;
  await core.accept(events(`warm-up-${dirs.length}`, 1), 'test');
  await until('the sender thread is up', received, (r) => r.length > before);
  return { core, file: join(dir, 'vigil.db') };
}

const events = (prefix: string, n: number): IntakeEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    source: 'api',
    fingerprint: `fp-${prefix}-${i}`,
    severity: 'critical',
    status: 'firing',
    summary: `${prefix} ${i} is down`,
    description: null,
    labels: { alertname: `${prefix}${i}` },
    startsAt: null,
    endsAt: null,
  }));

async function until<T>(what: string, get: () => Promise<T> | T, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const count = (db: BetterSqlite3.Database, sql: string) => (db.prepare(sql).get() as { n: number }).n;

/** Hold this (the main) thread for `ms`, as a long synchronous task would: nothing on it runs meanwhile. */
const holdMainThread = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('the sender thread', () => {
  it('R-SCALE-17: notifications go out while the main thread is held; counters, health and console updates reach it', async () => {
    const { core } = await serve();
    const before = (await received()).length;
    const changed: string[][] = [];
    core.ctx.bus.subscribe(Topic.changed, (p) => changed.push(p.what));
    // Decided on the decider thread: its report (after the commit) makes this thread tell the sender thread.
    await core.accept(events('steady', 20), 'test');
    await core.areas.router.drain();
    const heldFrom = Date.now();
    holdMainThread(2_000);
    const heldUntil = Date.now();
    const got = await until('20 messages', received, (r) => r.length >= before + 20);
    const mine = got.slice(before);
    expect(mine).toHaveLength(20);
    // Every message reached the receiver before this thread was free again; most while it could not have sent anything.
    expect(mine.every((m) => m.at < heldUntil)).toBe(true);
    expect(mine.filter((m) => m.at >= heldFrom).length).toBeGreaterThanOrEqual(8);
    // What the thread did shows here: /metrics counts, the channel's health, the console told the outbox changed.
    await until(
      'sent counted on the main thread',
      async () => (await core.ctx.metrics.notifySent.get()).values.find((v) => v.labels.result === 'sent')?.value ?? 0,
      (n) => n === 21, // and the warm-up's
    );
    const channels = async () => ((await core.call('outbox.channels', {})) as { value: { channels: ChannelHealth[] } }).value.channels;
    const [hook] = await until('health from the thread', channels, (h) => h[0]?.lastSuccessAt != null);
    expect(hook).toMatchObject({ name: 'hook', state: 'ok', backlog: 0, consecutiveFailures: 0 });
    expect(changed.flat()).toContain('outbox');
  }, 60_000);

  it('R-SCALE-17: the main thread stays free while the sender waits for the write lock to settle; nothing is lost', async () => {
    const { core, file } = await serve();
    const before = (await received()).length;
    await core.accept(events('slow', 6), 'test');
    await core.areas.router.drain();
    // The 6 are being sent (answered after 800 ms); their settle needs the write lock, which another connection now holds.
    await until('the sends in flight', received, (r) => r.length >= before + 6);
    const other = new BetterSqlite3(file);
    let worstLag = 0;
    try {
      other.exec('BEGIN IMMEDIATE');
      const lockedFrom = Date.now();
      for (let t = Date.now(); Date.now() - lockedFrom < 2_000; t = Date.now()) {
        await new Promise((r) => setTimeout(r, 10));
        worstLag = Math.max(worstLag, Date.now() - t - 10);
      }
      // Not settled yet: the thread is waiting for the lock.
      expect(count(other, `SELECT count(*) AS n FROM outbox WHERE state = 'sent' AND message LIKE '%slow%'`)).toBe(0);
    } finally {
      other.exec('COMMIT');
    }
    try {
      // The main thread's timers ran on time meanwhile (a sender on this thread would have waited with it).
      expect(worstLag).toBeLessThan(500);
      await until(
        '6 settled as sent',
        () => count(other, `SELECT count(*) AS n FROM outbox WHERE state = 'sent' AND message LIKE '%slow%'`),
        (n) => n === 6,
      );
      expect((await received()).length).toBe(before + 6); // each sent once
    } finally {
      other.close();
    }
  }, 60_000);
});
