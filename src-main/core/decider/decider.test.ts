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
import { alertmanagerAvailable, startAlertmanager } from '../../../e2e/fixtures/alertmanager';
import { createDeciderCore } from './core';
import { reportingToMain } from './protocol';

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

async function serve(text: string, onDir?: string): Promise<{ core: Core; dir: string; file: string }> {
  const dir = onDir ?? mkdtempSync(join(tmpdir(), 'vigil-decider-'));
  if (!onDir) dirs.push(dir);
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
const inboxTile = async (core: Core) => {
  const s = await core.call('status.get', {});
  if (!s.ok) throw new Error(s.error.message);
  return s.value.tiles.find((t) => t.id === 'router-inbox')!;
};
const gauge = async (core: Core, name: string) => {
  const text = await core.ctx.metrics.registry.getSingleMetricAsString(name);
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
};

/**
 * A real fault on the decider's path only: a trigger (made on another connection of the same file) that fails every
 * insert of a decided event with last session's error; the main thread's intake appends are untouched.
 */
const FAULT = 'database disk image is malformed';
function breakDeciding(dir: string): () => void {
  const db = new BetterSqlite3(join(dir, 'vigil.db'));
  db.exec(`CREATE TRIGGER test_fault BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, '${FAULT}'); END`);
  return () => {
    db.exec(`DROP TRIGGER test_fault`);
    db.close();
  };
}
/** What the receiver got for this test's events (other tests' cores keep sending to the same receiver). */
const receivedFor = (...names: string[]) => received.filter((m) => names.some((n) => m.title.includes(` ${n}`)));
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

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
    expect(core.areas.router.inbox()).toEqual({ count: 0, oldest: null });
    expect(count(db, `SELECT count(*) AS n FROM outbox WHERE channel = 'hook'`)).toBe(600);
    // The main thread's senders were kicked by the decider's reports: the receiver gets every message, once.
    await expect.poll(() => receivedFor('Storm').length, { timeout: 30_000, interval: 100 }).toBe(600);
    expect(new Set(receivedFor('Storm').map((m) => m.title)).size).toBe(600);
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

  it('R-SCALE-7: a silence expired on the main thread releases the next event the decider decides', async () => {
    const { core } = await serve(yaml());
    const made = await core.call('silences.create', {
      matchers: [{ name: 'alertname', op: '=', value: 'Hushed' }],
      endsAt: Date.now() + 3_600_000,
      createdBy: 'alice',
      comment: 'maintenance',
    });
    if (!made.ok) throw new Error(made.error.message);
    const [held] = await core.accept([event('Hushed', { n: '1' })], 'POST /api/v1/events');
    await core.areas.router.drain(); // decided while the silence holds (a change applies to what is decided after it)
    expect((await core.call('silences.expire', { id: made.value.id })).ok).toBe(true);
    const [released] = await core.accept([event('Hushed', { n: '2' })], 'POST /api/v1/events');
    await core.areas.router.drain();
    expect(await outcome(core, held!)).toBe('silenced');
    expect(await outcome(core, released!)).toBe('notified');
  });

  it('R-SCALE-8: a reload accepted while the decider thread is down is in force on the thread started after it', async () => {
    const { core, file } = await serve(yaml([], '[{ match: { team: a }, channels: [hook] }]'));
    await core.areas.decider!.crash();
    expect(core.areas.router.failing()?.error).toContain('the decider thread ended');
    writeFileSync(file, yaml([], '[{ match: { team: a }, channels: [hook] }, { match: { team: b }, channels: [hook] }]'));
    expect((await core.reload('console', 'alice')).ok).toBe(true);
    const [id] = await core.accept([event('WhileDown', { team: 'b' })], 'POST /api/v1/events');
    await core.areas.router.drain();
    expect(core.areas.decider!.restarts()).toBe(1);
    expect(await outcome(core, id!)).toBe('notified');
  });

  it('R-SCALE-8: stopping while the decider thread is down does not wait for its restart; the next start decides what waits', async () => {
    const { core, dir } = await serve(yaml());
    await core.areas.decider!.crash();
    const ids = await core.accept([event('DownAtStop1'), event('DownAtStop2')], 'POST /api/v1/events');
    await core.stop();
    expect(core.areas.decider!.restarts()).toBe(0); // stop did not wait for the restart (due in 1 s) to stop that thread
    const again = (await serve(yaml(), dir)).core;
    await again.areas.router.drain();
    for (const id of ids) expect(await outcome(again, id)).toBe('notified');
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
      .poll(() => receivedFor('DiskFull').map((m) => m.title), { timeout: 15_000, interval: 100 })
      .toEqual(['CRITICAL: DiskFull is down', 'CRITICAL: DiskFull +2 more on web2, web3']);
    await new Promise((r) => setTimeout(r, 2_500)); // a second book would flush the same group by now
    expect(receivedFor('DiskFull')).toHaveLength(2);
  });

  it('R-SCALE-7: stopping the core drains the decider: everything acknowledged is decided before the database closes', async () => {
    const { core, dir } = await serve(yaml());
    const ids = await core.accept(
      Array.from({ length: 300 }, (_, i) => event(`Stop${i}`)),
      'POST /api/v1/events',
    );
    await core.stop();
    const db = new BetterSqlite3(join(dir, 'vigil.db'), { readonly: true });
    const inbox = new BetterSqlite3(join(dir, 'inbox.db'), { readonly: true });
    try {
      expect(count(db, `SELECT count(*) AS n FROM events WHERE processed = 1`)).toBe(ids.length);
      expect(count(db, `SELECT count(*) AS n FROM outbox`)).toBe(ids.length);
      // Decided, synced and deleted from the inbox: a clean stop leaves inbox.db empty.
      expect(count(inbox, `SELECT count(*) AS n FROM inbox`)).toBe(0);
      expect(db.prepare(`SELECT decided - synced AS n FROM inbox_cursor`).get()).toEqual({ n: 0 });
    } finally {
      db.close();
      inbox.close();
    }
  });

  it('R-SCALE-8: a decider that fails on every batch is shown on the status page and in /metrics (since when, the error, what waits), retries without spinning, and clears once it decides again', async () => {
    const { core, dir } = await serve(yaml());
    received.length = 0;
    expect(await gauge(core, 'vigil_router_deciding_failing')).toBe(0);
    const repair = breakDeciding(dir);
    const t0 = Date.now();
    const ids = (await Promise.all([0, 1, 2].map((r) => core.accept([event(`Broken${r}`)], 'POST /api/v1/events')))).flat();
    await expect.poll(async () => (await inboxTile(core)).status, { timeout: 30_000, interval: 100 }).toBe('critical');
    const tile = await inboxTile(core);
    expect(tile.value).toBe('3');
    expect(tile.reason).toMatch(
      /^intake is not being decided on the decider thread since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+ failed tr(y|ies)\)/,
    );
    expect(tile.reason).toContain(`: ${FAULT}; 3 acknowledged events wait in the inbox, oldest`);
    const s = await core.call('status.get', {});
    expect(s.ok && s.value.worst).toBe('critical');
    expect(await gauge(core, 'vigil_router_deciding_failing')).toBe(1);
    const since = core.areas.router.failing()!.since;
    expect(since).toBeGreaterThanOrEqual(t0 - 1000);

    // Intake keeps coming (a kick each): the decider retries on its own clock, not per kick, and does not spin.
    const before = core.areas.router.failing()!.attempts;
    const cpu0 = cpuMs();
    const wall0 = Date.now();
    for (let i = 0; i < 30; i++) {
      ids.push(...(await core.accept([event(`More${i}`)], 'POST /api/v1/events')));
      await new Promise((r) => setTimeout(r, 100));
    }
    const wall = Date.now() - wall0;
    const cpu = cpuMs() - cpu0; // this process: both threads
    expect(core.areas.router.failing()!.attempts - before).toBeLessThanOrEqual(Math.ceil(wall / 5_000) + 1);
    expect(cpu / wall).toBeLessThan(0.5);
    expect(core.areas.router.failing()!.since).toBe(since); // still the same run of failures
    expect(receivedFor('Broken', 'More')).toHaveLength(0);

    repair();
    await expect.poll(async () => (await inboxTile(core)).status, { timeout: 30_000, interval: 100 }).toBe('ok');
    await core.areas.router.drain();
    expect(await gauge(core, 'vigil_router_deciding_failing')).toBe(0);
    expect((await inboxTile(core)).reason).toBe('empty: every acknowledged event is processed; decided on the decider thread');
    const db = core.areas.db;
    expect(count(db, `SELECT count(*) AS n FROM events WHERE source = 'api' AND processed = 1 AND outcome = 'notified'`)).toBe(ids.length);
    await expect.poll(() => receivedFor('Broken', 'More').length, { timeout: 30_000, interval: 100 }).toBe(ids.length);
    expect(new Set(receivedFor('Broken', 'More').map((m) => m.title)).size).toBe(ids.length);
  });

  it('R-SCALE-8: a decider thread that dies is started again, replays the inbox and decides every acknowledged event exactly once; the status page says it is down meanwhile', async () => {
    const { core } = await serve(yaml());
    received.length = 0;
    const decider = core.areas.decider!;
    const first = await Promise.all(
      Array.from({ length: 8 }, (_, r) =>
        core.accept(
          Array.from({ length: 100 }, (_, i) => event(`Crash${r}x${i}`)),
          'POST /api/v1/events',
        ),
      ),
    );
    // Killed while it decides the storm: some batches committed, maybe one mid-transaction, the rest waiting.
    await expect.poll(() => count(core.areas.db, `SELECT count(*) AS n FROM events`), { timeout: 30_000, interval: 5 }).toBeGreaterThan(0);
    await decider.crash();
    const tile = await inboxTile(core);
    expect(tile.status).toBe('critical');
    expect(tile.reason).toContain('the decider thread ended (exit code 1); starting it again in 1 s');
    // Acknowledged while no thread runs: handed to the dead thread, decided by the next.
    const second = await core.accept(
      Array.from({ length: 50 }, (_, i) => event(`WhileDown${i}`)),
      'POST /api/v1/events',
    );
    await core.areas.router.drain(); // asked of the dead thread: asked again of the new one
    const ids = [...first.flat(), ...second];
    expect(decider.restarts()).toBe(1);
    expect(await gauge(core, 'vigil_decider_restarts_total')).toBe(1);
    expect((await inboxTile(core)).status).toBe('ok');
    const db = core.areas.db;
    expect(core.areas.router.inbox()).toEqual({ count: 0, oldest: null });
    // Exactly once: every acknowledged id is one decided row (a vigil event about the crash may come on top).
    expect(count(db, `SELECT count(*) AS n FROM events WHERE source = 'api'`)).toBe(ids.length);
    expect(count(db, `SELECT count(DISTINCT id) AS n FROM events WHERE source = 'api' AND processed = 1 AND outcome = 'notified'`)).toBe(
      ids.length,
    );
    expect(count(db, `SELECT count(*) AS n FROM outbox WHERE channel = 'hook' AND message NOT LIKE '%Vigil:%'`)).toBe(ids.length);
    await expect.poll(() => receivedFor('Crash', 'WhileDown').length, { timeout: 60_000, interval: 100 }).toBe(ids.length);
    expect(new Set(receivedFor('Crash', 'WhileDown').map((m) => m.title)).size).toBe(ids.length);
    for (const id of [ids[0]!, ids[ids.length - 1]!]) expect(await outcome(core, id)).toBe('notified');
  });

  it('R-SCALE-8: a decider thread that keeps dying is started again later each time (1 s, 2 s, 4 s), not in a loop', async () => {
    const { core } = await serve(yaml());
    const decider = core.areas.decider!;
    const waits: string[] = [];
    for (let i = 0; i < 3; i++) {
      await decider.crash();
      waits.push(/starting it again in ([\d.]+ s)/.exec(core.areas.router.failing()!.error)![1]!);
      expect(core.areas.router.failing()!.attempts).toBe(i + 1);
      await expect.poll(() => core.areas.router.failing(), { timeout: 60_000, interval: 50 }).toBeNull(); // up again
    }
    expect(waits).toEqual(['1 s', '2 s', '4 s']);
    expect(decider.restarts()).toBe(3);
    const [id] = await core.accept([event('AfterRestarts')], 'POST /api/v1/events');
    await core.areas.router.drain();
    expect(await outcome(core, id!)).toBe('notified');
  });

  it('R-SCALE-8: vigil serve starts and stops while deciding fails: stop does not hang, what was acknowledged waits in the inbox, and the next start decides it once', async () => {
    const { core, dir } = await serve(yaml());
    received.length = 0;
    const repair = breakDeciding(dir);
    const ids = await core.accept(
      Array.from({ length: 20 }, (_, i) => event(`Kept${i}`)),
      'POST /api/v1/events',
    );
    await expect.poll(() => core.areas.router.failing(), { timeout: 30_000, interval: 100 }).not.toBeNull();
    await core.stop(); // drain gives up while deciding fails; before, stop waited for ever
    const file = new BetterSqlite3(join(dir, 'vigil.db'), { readonly: true });
    const inbox = new BetterSqlite3(join(dir, 'inbox.db'), { readonly: true });
    const decided = count(file, `SELECT decided AS n FROM inbox_cursor`);
    expect(count(inbox, `SELECT coalesce(sum(n), 0) AS n FROM inbox WHERE seq > ?`, decided)).toBe(20);
    expect(count(file, `SELECT count(*) AS n FROM events`)).toBe(0);
    file.close();
    inbox.close();

    // Started again on the same data, still broken: start returns (the replay failed) and the status page says so.
    const again = (await serve(yaml(), dir)).core;
    const tile = await inboxTile(again);
    expect(tile.status).toBe('critical');
    expect(tile.reason).toContain(`${FAULT}; 20 acknowledged events wait`);
    repair();
    await expect.poll(() => again.areas.router.failing(), { timeout: 30_000, interval: 100 }).toBeNull();
    await again.areas.router.drain();
    expect(count(again.areas.db, `SELECT count(*) AS n FROM events WHERE source = 'api' AND processed = 1 AND outcome = 'notified'`)).toBe(
      20,
    );
    for (const id of ids) expect(await outcome(again, id)).toBe('notified');
    await expect.poll(() => receivedFor('Kept').length, { timeout: 30_000, interval: 100 }).toBe(20);
    expect(new Set(receivedFor('Kept').map((m) => m.title)).size).toBe(20);
  });

  it('R-SCALE-11: the decider core opens no threads of its own: no reads thread (nor its WAL keeper, which started a second reads thread in a storm) and no intake thread; the main core keeps both', async () => {
    const { core, dir } = await serve(yaml());
    expect(core.ctx.stores.reads.runsOn).toBe('worker');
    expect(core.ctx.stores.intake.runsOn).toBe('worker');
    // The same function the decider thread runs, here: what it builds on the same file.
    const decider = createDeciderCore(
      { config: core.ctx.config, dataDir: dir },
      reportingToMain(() => undefined),
    );
    try {
      expect(decider.ctx.stores.reads.runsOn).toBe('inline');
      expect(decider.ctx.stores.intake.runsOn).toBe('inline');
    } finally {
      await decider.stop();
    }
  });

  it.runIf(alertmanagerAvailable())(
    'R-SCALE-8, R-ROUTE-1: an alert polled from a real Alertmanager that is gone before the decider decided it is still resolved (the poller resolves what it handed over, not only what it finds decided)',
    async () => {
      const am = await startAlertmanager();
      try {
        const { core, dir } = await serve(yaml([`alertmanager: { url: "${am.url}", interval: 1s }`, 'router: { groupWindow: 1s }']));
        received.length = 0;
        const repair = breakDeciding(dir); // the decider is behind: nothing handed over gets decided
        const labels = { alertname: 'Flapped', instance: 'web7', severity: 'critical' };
        await am.postAlerts([{ labels, annotations: { summary: 'Flapped on web7' } }]);
        const polled = () => core.areas.router.inbox().count; // acknowledged, not decided: only the poller's
        await expect.poll(polled, { timeout: 30_000, interval: 100 }).toBe(1);
        // Gone from Alertmanager (resolved the way Prometheus does) before the firing event was decided.
        await am.postAlerts([{ labels, annotations: { summary: 'Flapped on web7' }, endsAt: new Date(Date.now() - 1000).toISOString() }]);
        await expect.poll(polled, { timeout: 30_000, interval: 100 }).toBe(2);
        repair();
        await expect.poll(() => core.areas.router.failing(), { timeout: 30_000, interval: 100 }).toBeNull();
        await core.areas.router.drain();
        const state = core.areas.db.prepare(`SELECT status FROM alert_state WHERE labels LIKE '%Flapped%'`).all() as Array<{
          status: string;
        }>;
        expect(state).toEqual([{ status: 'resolved' }]);
        await expect
          .poll(
            () =>
              receivedFor('Flapped')
                .map((m) => m.kind)
                .sort(),
            { timeout: 30_000, interval: 100 },
          )
          .toEqual(['alert', 'resolved']);
      } finally {
        await am.stop();
      }
    },
  );
});
