import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaServer, type OllamaServer } from '../../../../e2e/fixtures/ollama-server';
import { FakeClock } from '../../clock';
import { EmbeddingConfig } from '../../config';
import { createMetrics } from '../../metrics';
import { openDatabase, sqliteStores, type Database } from '../../store';
import { createOpenClaw, runAutomaticActions, type AuditWriter } from './index';

let ollama: OllamaServer;
let legacy: OllamaServer;
const dirs: string[] = [];
const dbs: Database[] = [];
beforeAll(async () => {
  ollama = await startOllamaServer();
  legacy = await startOllamaServer({ legacy: true });
});
afterAll(async () => {
  await ollama.close();
  await legacy.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  ollama.mode = 'ok';
});

/** The insights repository and the one transaction() over the same file, as createCore hands them to OpenClaw. */
const memoryOf = (db: Database) => {
  const stores = sqliteStores(db);
  return { repo: stores.memory, transaction: stores.transaction };
};

function setup(opts: { url?: string | null; audit?: AuditWriter } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-openclaw-'));
  dirs.push(dir);
  const { db } = openDatabase(join(dir, 'vigil.db'));
  dbs.push(db);
  const clock = new FakeClock();
  const metrics = createMetrics();
  const audited: Array<{ actor: string; action: string; subject?: string }> = [];
  const audit = opts.audit ?? { append: (e: { actor: string; action: string; subject?: string }) => void audited.push(e) };
  const url = opts.url === undefined ? ollama.url : opts.url;
  const embeddings = EmbeddingConfig.parse(url ? { provider: 'ollama', baseUrl: url } : { provider: 'none' });
  const claw = createOpenClaw({ ...memoryOf(db), embeddings, clock, metrics, fetch: globalThis.fetch, audit });
  return { db, clock, metrics, claw, audited };
}

const gauge = async (m: ReturnType<typeof createMetrics>, name: string, label: string) =>
  (await m.registry.getSingleMetric(name)?.get())?.values.find((v) => Object.values(v.labels).includes(label))?.value;

describe('OpenClaw memory', () => {
  it('R-MEMORY-1: every write enqueues its embedding in the same transaction; rows written by another path are backfilled', async () => {
    const { db, clock, claw } = setup();
    const i = claw.repo.add({ kind: 'note', source: 'test', title: 'Disk full on web-1', body: '/var at 100%' }, clock.now());
    expect(db.prepare('SELECT state FROM embedding_queue WHERE insight_id = ?').get(i.id)).toEqual({ state: 'pending' });
    // A failing transaction leaves neither the insight nor its queue item.
    expect(() =>
      sqliteStores(db).transaction(
        () => (claw.repo.add({ kind: 'note', source: 't', title: 'rolled back' }, clock.now()), JSON.parse('{')),
      ),
    ).toThrow();
    expect(db.prepare(`SELECT COUNT(*) n FROM insights WHERE title = 'rolled back'`).get()).toEqual({ n: 0 });

    // Another path (a migration, a sqlite3 shell) inserts without queueing.
    db.prepare(
      `INSERT INTO insights (kind, source, title, body, created_at, updated_at) VALUES ('knowledge', 'import', 'Postgres connections exhausted', 'raise max_connections', 0, 0)`,
    ).run();
    const other = (db.prepare(`SELECT id FROM insights WHERE source = 'import'`).get() as { id: number }).id;
    expect(db.prepare('SELECT 1 FROM embedding_queue WHERE insight_id = ?').get(other)).toBeUndefined();
    const run = await claw.worker.runOnce();
    expect(run).toMatchObject({ backfilled: 1, done: 2 });
    expect(db.prepare('SELECT model, dim FROM insight_vectors WHERE insight_id = ?').get(other)).toEqual({
      model: 'nomic-embed-text',
      dim: 32,
    });
  });

  it('R-MEMORY-2: pending → processing → done; items stuck in processing are reset after the timeout', async () => {
    const { db, clock, claw, metrics } = setup();
    const a = claw.repo.add({ kind: 'note', source: 't', title: 'cpu load high' }, clock.now());
    // A worker claims the item and dies before finishing.
    expect(claw.repo.claim(10, clock.now()).map((x) => x.id)).toEqual([a.id]);
    claw.worker.publish();
    expect(await gauge(metrics, 'vigil_embedding_queue', 'processing')).toBe(1);
    clock.advance(60_000);
    expect(await claw.worker.runOnce()).toMatchObject({ reset: 0, done: 0 }); // not stale yet: left alone
    expect(db.prepare('SELECT state, attempts FROM embedding_queue').get()).toEqual({ state: 'processing', attempts: 1 });
    clock.advance(61_000);
    expect(await claw.worker.runOnce()).toMatchObject({ reset: 1, done: 1 });
    expect(db.prepare('SELECT state, attempts FROM embedding_queue').get()).toEqual({ state: 'done', attempts: 2 });
    expect(await gauge(metrics, 'vigil_embedding_queue', 'done')).toBe(1);
    expect(await gauge(metrics, 'vigil_embedding_queue', 'processing')).toBe(0);
  });

  it('R-MEMORY-2: a failing provider retries with attempts, then marks the item failed', async () => {
    const { db, clock, claw, metrics } = setup();
    claw.repo.add({ kind: 'note', source: 't', title: 'dns latency' }, clock.now());
    ollama.mode = 'down';
    for (let k = 0; k < 4; k++) expect(await claw.worker.runOnce()).toMatchObject({ retried: 1, failed: 0 });
    expect(await claw.worker.runOnce()).toMatchObject({ failed: 1 });
    expect(db.prepare('SELECT state, attempts, last_error FROM embedding_queue').get()).toMatchObject({
      state: 'failed',
      attempts: 5,
      last_error: expect.stringContaining('503'),
    });
    expect(await gauge(metrics, 'vigil_embedding_queue', 'failed')).toBe(1);
    expect(await claw.handlers['memory.queue']({ limit: 10 })).toMatchObject({
      counts: { failed: 1 },
      items: [{ state: 'failed', attempts: 5 }],
    });
  });

  it('R-MEMORY-2: while the provider is down the scheduled passes back off, so a short outage does not fail the items', async () => {
    const { db, clock, claw } = setup();
    claw.repo.add({ kind: 'note', source: 't', title: 'queue backlog on kafka' }, clock.now());
    ollama.mode = 'down';
    claw.worker.start();
    try {
      const tick = async (ms: number) => {
        clock.advance(ms);
        await claw.worker.runOnce(); // joins the scheduled pass, if one started
      };
      await tick(5_000); // first scheduled pass fails: attempt 1, back off 10 s
      expect(db.prepare('SELECT state, attempts FROM embedding_queue').get()).toEqual({ state: 'pending', attempts: 1 });
      for (let k = 0; k < 8; k++) {
        clock.advance(5_000);
        await claw.worker.idle(); // a pass started by this tick has finished
      }
      // Passes only at 15 s and 35 s (attempts 2 and 3); one every 5 s would have used up all 5 attempts.
      expect(db.prepare('SELECT state, attempts FROM embedding_queue').get()).toEqual({ state: 'pending', attempts: 3 });
      ollama.mode = 'ok';
      await tick(60_000);
      await tick(5_000);
      expect(db.prepare('SELECT state FROM embedding_queue').get()).toEqual({ state: 'done' });
    } finally {
      await claw.worker.stop();
    }
  });

  it('R-MEMORY-3: /api/embed, falling back to /api/embeddings on an old server; vectors are unit length with model and dimension', async () => {
    const { db, clock, claw } = setup({ url: legacy.url });
    claw.repo.add({ kind: 'note', source: 't', title: 'certificate expired on api gateway' }, clock.now());
    claw.repo.add({ kind: 'note', source: 't', title: 'restart loop of worker' }, clock.now());
    expect(await claw.worker.runOnce()).toMatchObject({ done: 2 });
    expect(legacy.requests.map((r) => r.path)).toEqual(['/api/embeddings', '/api/embeddings']);
    const rows = db.prepare('SELECT model, dim, vector FROM insight_vectors').all() as Array<{
      model: string;
      dim: number;
      vector: Buffer;
    }>;
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      const v = new Float32Array(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength / 4);
      expect(r).toMatchObject({ model: 'nomic-embed-text', dim: 32 });
      expect(v.length).toBe(32);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
    const current = setup();
    current.claw.repo.add({ kind: 'note', source: 't', title: 'x' }, 0);
    const before = ollama.requests.length;
    await current.claw.worker.runOnce();
    expect(ollama.requests.slice(before).map((r) => r.path)).toEqual(['/api/embed']);
  });

  it('R-MEMORY-3: a 404 for a missing model is an error, not a reason to use the legacy endpoint', async () => {
    const { claw, clock, db } = setup();
    const bad = createOpenClaw({
      ...memoryOf(db),
      embeddings: EmbeddingConfig.parse({ provider: 'ollama', baseUrl: ollama.url, model: 'not-pulled' }),
      clock,
      metrics: createMetrics(),
      fetch: globalThis.fetch,
      audit: { append: () => undefined },
    });
    claw.repo.add({ kind: 'note', source: 't', title: 'x' }, clock.now());
    const before = ollama.requests.length;
    expect(await bad.worker.runOnce()).toMatchObject({ retried: 1 });
    expect(db.prepare('SELECT last_error FROM embedding_queue').get()).toEqual({ last_error: expect.stringContaining('not-pulled') });
    expect(ollama.requests.slice(before).every((r) => r.path === '/api/embed')).toBe(true);
  });

  it('R-MEMORY-4: recall finds by meaning with vectors (hybrid), and by keywords when there is no provider', async () => {
    const { clock, claw } = setup();
    const disk = claw.repo.add(
      { kind: 'resolution', source: 't', title: 'Disk full on db-2', body: 'rotated logs under /var/log', tags: ['disk'] },
      clock.now(),
    );
    claw.repo.add({ kind: 'knowledge', source: 't', title: 'TLS certificate renewal', body: 'certbot renew' }, clock.now());
    claw.repo.add({ kind: 'note', source: 't', title: 'Memory leak in api', body: 'heap grows' }, clock.now());
    // Before any vector exists, auto falls back to keywords and says why.
    const early = await claw.search('storage exhausted', { mode: 'auto' });
    expect(early).toMatchObject({ used: 'keyword', note: expect.stringContaining('no insight has a vector') });
    expect(early.hits).toEqual([]); // no shared word: keywords alone cannot find it
    await claw.worker.runOnce();
    const r = await claw.search('storage exhausted');
    expect(r.used).toBe('hybrid');
    expect(r.hits[0]?.insight.id).toBe(disk.id);
    expect(r.hits[0]?.via).toEqual(['vector']);
    const both = await claw.handlers['memory.search']({ query: 'disk full', mode: 'auto', limit: 5 });
    expect(both.results[0]).toMatchObject({ insight: { id: disk.id }, via: ['vector', 'keyword'] });
    expect((await claw.search('storage exhausted', { mode: 'semantic' })).used).toBe('semantic');

    // Provider down: keyword search still answers.
    ollama.mode = 'down';
    const down = await claw.search('certificate renewal');
    expect(down).toMatchObject({ used: 'keyword', note: expect.stringContaining('503') });
    expect(down.hits[0]?.insight.title).toBe('TLS certificate renewal');

    const none = setup({ url: null });
    none.claw.repo.add({ kind: 'note', source: 't', title: 'Postgres replication lag', body: 'check wal sender' }, 0);
    const kw = await none.claw.handlers['memory.search']({ query: 'replication', mode: 'semantic', limit: 5 });
    expect(kw).toMatchObject({ used: 'keyword', note: expect.stringContaining('no embedding provider') });
    expect(kw.results.map((x) => x.insight.title)).toEqual(['Postgres replication lag']);
    // Query syntax from a user is text, not FTS5 operators.
    expect((await none.claw.search('"replication" OR NEAR( *')).hits).toHaveLength(1);
  });

  it('R-MEMORY-5: the L2 safe actions are audited memory writes; if the audit fails nothing changes', async () => {
    const { db, clock, claw, audited, metrics } = setup();
    const subject = {
      eventId: 'ev-1',
      title: 'Disk full on web-1',
      body: '/var 100%',
      source: 'alertmanager',
      labels: { alertname: 'DiskFull', host: 'web-1' },
    };
    const out = runAutomaticActions(claw.safe, ['flag_for_human_review', 'route_to_km', 'restart_service', 'mark_for_relearn'], subject);
    expect(out.proposals).toEqual(['restart_service']); // not L2: becomes a proposal, never runs here
    expect(out.ran.map((r) => r.action)).toEqual(['flag_for_human_review', 'route_to_km', 'mark_for_relearn']);
    const incident = claw.repo.findByRef('ev-1', 'incident');
    expect(incident).toMatchObject({
      kind: 'incident',
      flags: ['human_review', 'km', 'relearn'],
      tags: ['alertname:DiskFull', 'host:web-1'],
    });
    expect(claw.repo.findByRef(`km:${incident?.id}`, 'knowledge')).toMatchObject({ source: 'route_to_km', title: 'Disk full on web-1' });
    expect(audited.map((a) => a.action)).toEqual(['memory.flag_for_human_review', 'memory.route_to_km', 'memory.mark_for_relearn']);
    expect((await claw.handlers['memory.flags']({ flag: 'human_review', limit: 10 })).items.map((i) => i.id)).toEqual([incident?.id]);
    expect(await gauge(metrics, 'vigil_safe_actions_total', 'route_to_km')).toBe(1);

    const broken = setup({
      audit: {
        append: () => {
          throw new Error('disk I/O error');
        },
      },
    });
    const before = broken.db.prepare('SELECT COUNT(*) n FROM insights').get();
    expect(() => broken.claw.safe.run('flag_for_human_review', { ...subject, eventId: 'ev-2' }, 'router')).toThrow('disk I/O error');
    expect(broken.db.prepare('SELECT COUNT(*) n FROM insights').get()).toEqual(before);
    expect(() => claw.safe.run('restart_service', subject, 'router')).toThrow(/not an L2 safe action/);
    void db;
    void clock;
  });
});
