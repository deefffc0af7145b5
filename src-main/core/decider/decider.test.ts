import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import type { IntakeEvent } from '../router';

/**
 * The decider worker (docs/architecture.md "Threads"): a real SQLite file, a real webhook receiver, the real
 * worker thread (the TypeScript source through the tsx bootstrap). What the main thread and the receiver see.
 */
const dirs: string[] = [];
const cores: Core[] = [];
let hook: Server;
let hookUrl = '';
const received: Array<{ title: string; kind: string }> = [];

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const m = (JSON.parse(body) as { message: { title: string; kind: string } }).message;
      received.push({ title: m.title, kind: m.kind });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  for (const c of cores) if (c.areas.db.open) await c.stop();
  await new Promise((r) => hook.close(r));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const yaml = (extra: string[] = [], routes = '[{ channels: [hook] }]') =>
  [`channels: [ { name: hook, type: webhook, url: "${hookUrl}", digest: 0 } ]`, `routes: ${routes}`, ...extra].join('\n');

async function serve(text: string): Promise<{ core: Core; dir: string; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-decider-'));
  dirs.push(dir);
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, text);
  const core = createCore({
    config: parseConfig(text),
    dataDir: dir,
    configFile: file,
    watchConfig: false,
    log: createLogger(null),
    secrets: { get: () => undefined, names: () => [] },
    decider: 'worker',
  });
  cores.push(core);
  await core.start();
  return { core, dir, file };
}

const event = (name: string, labels: Record<string, string> = {}): IntakeEvent => ({
  source: 'api',
  fingerprint: `fp-${name}-${JSON.stringify(labels)}`,
  severity: 'critical',
  status: 'firing',
  summary: `${name} is down`,
  description: null,
  labels: { alertname: name, ...labels },
  startsAt: null,
  endsAt: null,
});

const count = (db: BetterSqlite3.Database, sql: string, ...args: unknown[]) => (db.prepare(sql).get(...args) as { n: number }).n;
const outcome = async (core: Core, id: string) => ((await core.call('events.get', { id })) as { value: { outcome: string } }).value.outcome;

describe('the decider worker thread', { timeout: 180_000 }, () => {
  it('R-SCALE-7: an HTTP storm is decided on the decider thread: each event once, one message each, the senders kicked, /metrics counts it, events.get says queued until then', async () => {
    const { core } = await serve(yaml());
    received.length = 0;
    const requests = Array.from({ length: 6 }, (_, r) => Array.from({ length: 100 }, (_, i) => event(`Storm${r}x${i}`)));
    const ids = (await Promise.all(requests.map((b) => core.accept(b, 'POST /api/v1/events')))).flat();
    // Acknowledged and handed over: nothing on this thread decided it, so it answers as queued.
    const first = await core.call('events.get', { id: ids[0]! });
    expect(first).toMatchObject({ ok: true, value: { id: ids[0], processed: false } });
    await core.areas.router.drain();
    expect(await outcome(core, ids[0]!)).toBe('notified');

    const db = core.areas.db;
    expect(count(db, `SELECT count(*) AS n FROM events WHERE processed = 1 AND outcome = 'notified'`)).toBe(600);
    expect(count(db, `SELECT count(*) AS n FROM intake_batches`)).toBe(0);
    expect(count(db, `SELECT count(*) AS n FROM outbox WHERE channel = 'hook'`)).toBe(600);
    // The main thread's senders were kicked by the decider's reports: the receiver gets every message, once.
    await expect.poll(() => received.length, { timeout: 30_000, interval: 100 }).toBe(600);
    expect(new Set(received.map((m) => m.title)).size).toBe(600);
    // /metrics (the main thread's registry) counts what the worker decided.
    const metrics = await core.ctx.metrics.registry.getSingleMetricAsString('vigil_router_events_total');
    expect(metrics).toContain('vigil_router_events_total{source="api",result="notified"} 600');
    const tile = core.status().tiles.find((t) => t.id === 'router-inbox');
    expect(tile?.reason).toContain('decided on the decider thread');
  });

  it('R-SCALE-7: a silence created on the main thread holds the next event the decider decides; a reloaded route reaches it', async () => {
    const { core, file } = await serve(yaml([], '[{ match: { team: a }, channels: [hook] }]'));
    const silence = await core.call('silences.create', {
      matchers: [{ name: 'alertname', op: '=', value: 'Quiet' }],
      endsAt: Date.now() + 3_600_000,
      createdBy: 'alice',
      comment: 'maintenance',
    });
    expect(silence.ok).toBe(true);
    const [quiet] = await core.accept([event('Quiet', { team: 'a' })], 'POST /api/v1/events');
    await core.areas.router.drain();
    expect(await outcome(core, quiet!)).toBe('silenced');

    const [before] = await core.accept([event('TeamB', { team: 'b' })], 'POST /api/v1/events');
    await core.areas.router.drain();
    expect(await outcome(core, before!)).not.toBe('notified'); // no route for team b yet
    writeFileSync(file, yaml([], '[{ match: { team: a }, channels: [hook] }, { match: { team: b }, channels: [hook] }]'));
    expect((await core.reload('console', 'alice')).ok).toBe(true);
    const [after] = await core.accept([event('TeamB2', { team: 'b' })], 'POST /api/v1/events');
    await core.areas.router.drain();
    expect(await outcome(core, after!)).toBe('notified');
  });

  it('R-SCALE-7: a noise group decided on the decider thread is flushed once, not once per thread', async () => {
    const { core } = await serve(yaml(['router: { groupWindow: 1s }']));
    received.length = 0;
    const [first] = await core.accept([event('DiskFull', { instance: 'web1' })], 'POST /api/v1/events');
    await core.areas.router.drain();
    expect(await outcome(core, first!)).toBe('notified');
    const held = await core.accept(
      [event('DiskFull', { instance: 'web2' }), event('DiskFull', { instance: 'web3' })],
      'POST /api/v1/events',
    );
    await core.areas.router.drain();
    expect(await outcome(core, held[0]!)).not.toBe('notified');
    await expect
      .poll(() => received.map((m) => m.title), { timeout: 15_000, interval: 100 })
      .toEqual(['CRITICAL: DiskFull is down', 'CRITICAL: DiskFull +2 more on web2, web3']);
    await new Promise((r) => setTimeout(r, 2_500)); // a second book would flush the same group by now
    expect(received).toHaveLength(2);
  });

  it('R-SCALE-7: stopping the core drains the decider: everything acknowledged is decided before the database closes', async () => {
    const { core, dir } = await serve(yaml());
    const ids = await core.accept(
      Array.from({ length: 300 }, (_, i) => event(`Stop${i}`)),
      'POST /api/v1/events',
    );
    await core.stop();
    const db = new BetterSqlite3(join(dir, 'vigil.db'), { readonly: true });
    try {
      expect(count(db, `SELECT count(*) AS n FROM intake_batches`)).toBe(0);
      expect(count(db, `SELECT count(*) AS n FROM events WHERE processed = 1`)).toBe(ids.length);
      expect(count(db, `SELECT count(*) AS n FROM outbox`)).toBe(ids.length);
    } finally {
      db.close();
    }
  });
});
