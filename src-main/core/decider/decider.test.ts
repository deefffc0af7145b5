import BetterSqlite3 from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDeciderCore } from './core';
import { reportingToMain } from './protocol';
import { count, event, outcome, useDeciderBed } from './testing';

/** The decider worker thread at work (decider/testing.ts: real SQLite file, real webhook receiver, the real thread). */
const { yaml, serve, receivedFor } = useDeciderBed();

describe('the decider worker thread', { timeout: 180_000 }, () => {
  it('R-SCALE-7: an HTTP storm is decided on the decider thread: each event once, one message each, the senders kicked, /metrics counts it, events.get says queued until then', async () => {
    const { core } = await serve(yaml());
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

  it('R-SCALE-7: a noise group decided on the decider thread is flushed once, not once per thread', async () => {
    const { core } = await serve(yaml(['router: { groupWindow: 1s }']));
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
});
