import BetterSqlite3 from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertmanagerAvailable, startAlertmanager } from '../../../e2e/fixtures/alertmanager';
import { createDeciderCore } from './core';
import { reportingToMain } from './protocol';
import { breakDeciding, count, event, FAULT, gauge, inboxTile, outcome, useDeciderBed } from './testing';

/**
 * The decider worker thread when deciding fails (a real fault: breakDeciding) or the thread dies (crash):
 * what waits stays in the durable inbox, the status page says so, and it is decided exactly once afterwards.
 */
const { yaml, serve, receivedFor } = useDeciderBed();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

describe('the decider worker thread, failing and restarted', { timeout: 180_000 }, () => {
  it('R-SCALE-8: a reload accepted while the decider thread is down is in force on the thread started after it', async () => {
    const { core, file } = await serve(yaml([], '[{ match: { team: a }, channels: [hook] }]'));
    await core.areas.decider!.crash();
    expect(core.areas.router.failing()?.error).toContain('the decider thread ended');
    writeFileSync(file, yaml([], '[{ match: { team: a }, channels: [hook] }, { match: { team: b }, channels: [hook] }]'));
    expect((await core.reload('console', 'alice')).ok).toBe(true);
    const [id] = await core.accept([event('ReloadedWhileDown', { team: 'b' })], 'POST /api/v1/events');
    // Drained while the thread started after it is still loading (down until it has replayed): a drain asked then
    // was never posted to it, and waited for ever (this test hung for its 180 s under load).
    await expect.poll(() => core.areas.decider!.restarts(), { timeout: 30_000, interval: 10 }).toBe(1);
    await Promise.race([core.areas.router.drain(), sleep(60_000).then(() => Promise.reject(new Error('drain never answered')))]);
    expect(core.areas.decider!.restarts()).toBe(1);
    expect(await outcome(core, id!)).toBe('notified');
  });

  it('R-SCALE-8: stopping while the decider thread is down does not wait for its restart; the next start decides what waits', async () => {
    // The restart is due in 60 s, so stop comes while the thread is down whatever the load (with 1 s, a slow accept let
    // the restart happen first and restarts() was 1).
    const { core, dir } = await serve(yaml(), undefined, { deciderRestart: { restartMs: 60_000, restartMaxMs: 60_000, stableMs: 60_000 } });
    await core.areas.decider!.crash();
    const ids = await core.accept([event('DownAtStop1'), event('DownAtStop2')], 'POST /api/v1/events');
    const t0 = Date.now();
    await core.stop();
    expect(Date.now() - t0).toBeLessThan(30_000); // stop did not wait for the restart to stop that thread
    expect(core.areas.decider!.restarts()).toBe(0);
    const again = (await serve(yaml(), dir)).core;
    await again.areas.router.drain();
    for (const id of ids) expect(await outcome(again, id)).toBe('notified');
  });

  it('R-SCALE-8: a decider that fails on every batch is shown on the status page and in /metrics (since when, the error, what waits), retries without spinning, and clears once it decides again', async () => {
    const { core, dir } = await serve(yaml());
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
    // (120 s: the first decision waits for the niced thread to load the sources through tsx; at load ~32 that passed 30 s)
    await expect.poll(() => count(core.areas.db, `SELECT count(*) AS n FROM events`), { timeout: 120_000, interval: 5 }).toBeGreaterThan(0);
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

  it("R-SCALE-8: a decider thread's core starts while another connection holds vigil.db's write lock (it writes nothing to start)", async () => {
    // Under load a restarted thread's start failed with SQLITE_BUSY (its schema repair's INSERT OR IGNORE waited out the
    // 5 s timeout behind the main thread's outbox settles) and the thread ended again: restarts() was 2, not 1, above.
    const { core, dir } = await serve(yaml());
    await core.stop();
    const hold = new BetterSqlite3(join(dir, 'vigil.db'));
    hold.exec('BEGIN IMMEDIATE');
    let decider: ReturnType<typeof createDeciderCore> | undefined;
    try {
      decider = createDeciderCore(
        { config: core.ctx.config, dataDir: dir },
        reportingToMain(() => undefined),
      );
      expect(decider.router.resume()).toBe(0);
    } finally {
      hold.exec('COMMIT');
      hold.close();
    }
    await decider!.stop();
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

  it.runIf(alertmanagerAvailable())(
    'R-SCALE-8, R-ROUTE-1: an alert polled from a real Alertmanager that is gone before the decider decided it is still resolved (the poller resolves what it handed over, not only what it finds decided)',
    async () => {
      const am = await startAlertmanager();
      try {
        const { core, dir } = await serve(yaml([`alertmanager: { url: "${am.url}", interval: 1s }`, 'router: { groupWindow: 1s }']));
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
