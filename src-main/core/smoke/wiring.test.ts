import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SmokeRun } from '../../../src-shared/api/smoke';
import { createCore, type Core } from '../app';
import { FakeClock } from '../clock';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { protectedBy } from '../heal';
import { protectedGuardCheck } from '../heal';
import { startWebhookReceiver } from '../../../e2e/fixtures/webhook-receiver';

const cores: Core[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(yaml: string, clock?: FakeClock): Promise<Core> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-smoke-wiring-'));
  dirs.push(dir);
  const core = createCore({ config: parseConfig(yaml), dataDir: dir, clock, log: createLogger(null) });
  cores.push(core);
  await core.start();
  return core;
}

const value = async <T>(core: Core, method: string, input: unknown = {}): Promise<T> => {
  const r = await core.dispatch(method, input);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value as T;
};
const count = (core: Core, sql: string): number => (core.areas.db.prepare(sql).get() as { n: number }).n;

describe('smoke wired into the core', () => {
  it('R-SMOKE-1: the protected-resource check asks the AutoHeal guard about every configured rule', () => {
    const rules = [{ container: 'momo-db' }, { image: 'postgres*' }, { label: 'vigil.protected=true' }, { service: 'etcd*' }];
    expect(protectedGuardCheck(rules, (kind, target, live) => protectedBy(rules, kind, target, live))).toEqual({
      configured: 4,
      denied: 4,
    });
    expect(protectedGuardCheck([], () => null)).toEqual({ configured: 0, denied: 0 });
  });

  it('R-SMOKE-1/R-HEAL-3: "protected resources enforced" asks the running AutoHeal; with its protection bypassed (test seam) the check turns red', async () => {
    const core = await start(`hosts: [{ name: web1, address: 127.0.0.1, user: vigil }]
protected: [{ container: momo-db }, { service: "etcd*" }]
smoke: { interval: 1h }`);
    const check = async () => (await value<SmokeRun>(core, 'smoke.run')).results.find((r) => r.check === 'autoheal_protected')!;
    expect(await check()).toMatchObject({ status: 'ok', reason: '2 protected rule(s) configured and enforced' });
    const tile = () => core.status().tiles.find((t) => t.id === 'autoheal')!;
    expect(tile()).toMatchObject({ status: 'ok', reason: '0 approval(s) waiting; 2 protected rule(s) enforced' });
    const dry = async () =>
      (await value<{ blockers: string[] }>(core, 'heal.dryRun', { action: 'restart_container', host: 'web1', target: 'momo-db' })).blockers;
    expect(await dry()).toContain('container "momo-db" is protected (pattern momo-db)');
    // AutoHeal stops honouring its rules: it would now restart the database container...
    core.areas.heal.protectedReason = () => null;
    expect((await dry()).join(' ')).not.toMatch(/is protected/);
    // ...and the self-check says so.
    expect(await check()).toMatchObject({ status: 'critical', reason: '2 of 2 protected rule(s) NOT enforced by the AutoHeal guard' });
    // The AutoHeal tile on the Overview says the same, from the same question (R-STATUS-1; it said "enforced" regardless).
    expect(tile()).toMatchObject({
      status: 'critical',
      reason: '0 approval(s) waiting; 2 of 2 protected rule(s) NOT enforced by the AutoHeal guard',
    });
  });

  it('R-SMOKE-1: the checks read the real areas: an undeliverable outbox backlog and the protected rules show up', async () => {
    const core = await start(`channels: [{ name: hook, type: webhook, url: "http://127.0.0.1:9/unreachable", timeout: 1s }]
routes: [{ channels: [hook] }]
hosts: [{ name: web1, address: 127.0.0.1, user: vigil }]
protected: [{ container: momo-db }, { image: "postgres*" }]
smoke: { interval: 1h, thresholds: { outbox: { pending: { warning: 1, critical: 50 } } } }`);
    core.areas.router.ingest(
      [
        {
          source: 'api',
          fingerprint: 'smoke-wiring',
          severity: 'critical',
          status: 'firing',
          summary: 'disk full',
          description: null,
          labels: { alertname: 'DiskFull' },
          startsAt: null,
          endsAt: null,
        },
      ],
      'test',
    );
    const deadline = Date.now() + 10_000;
    let run: SmokeRun;
    do {
      await new Promise((r) => setTimeout(r, 50));
      run = await value<SmokeRun>(core, 'smoke.run');
    } while (run.results.find((r) => r.check === 'outbox_backlog')!.status === 'ok' && Date.now() < deadline);
    const by = Object.fromEntries(run.results.map((r) => [r.check, r]));
    expect(by.outbox_backlog).toMatchObject({
      status: 'warning',
      value: 1,
      reason: expect.stringMatching(/^hook: 1 pending, oldest \d+s \(≥ 1\)$/),
    });
    expect(by.router_queue).toMatchObject({ status: 'ok', reason: 'no events waiting in the router' });
    expect(by.autoheal_protected).toMatchObject({ status: 'ok', reason: '2 protected rule(s) configured and enforced' });
    expect(by.elephant_hitl).toMatchObject({ status: 'ok', reason: 'no approvals pending' });
    expect(by.openclaw_embeddings!.status).toBe('ok');
    for (const r of run.results) expect(r.reason).not.toMatch(/not configured: no .* source is wired/);
  });

  it('R-SMOKE-4: clearing through the ConsoleApi writes the audit chain and leaves events, audit and memory alone', async () => {
    const core = await start('smoke: { interval: 1h }');
    core.areas.router.ingest(
      [
        {
          source: 'api',
          fingerprint: 'keep-me',
          severity: 'warning',
          status: 'firing',
          summary: 'keep me',
          description: null,
          labels: { alertname: 'KeepMe' },
          startsAt: null,
          endsAt: null,
        },
      ],
      'test',
    );
    await value(core, 'smoke.run');
    await value(core, 'smoke.run');
    const events = count(core, 'SELECT COUNT(*) AS n FROM events');
    const audit = count(core, 'SELECT COUNT(*) AS n FROM audit_log');
    const memory = count(core, 'SELECT COUNT(*) AS n FROM insights');
    expect(events).toBeGreaterThan(0);
    expect(await value(core, 'smoke.clear')).toEqual({ deletedRows: 18 }); // start-up run + 2
    expect(count(core, 'SELECT COUNT(*) AS n FROM smoke_history')).toBe(0);
    expect(count(core, 'SELECT COUNT(*) AS n FROM smoke_rollup')).toBe(0);
    expect(count(core, 'SELECT COUNT(*) AS n FROM events')).toBe(events);
    expect(count(core, 'SELECT COUNT(*) AS n FROM insights')).toBe(memory);
    expect(count(core, 'SELECT COUNT(*) AS n FROM audit_log')).toBe(audit + 1);
    const row = core.areas.db.prepare("SELECT actor, action, subject, detail FROM audit_log WHERE action = 'smoke.clear'").get();
    expect(row).toEqual({ actor: 'console', action: 'smoke.clear', subject: 'smoke_history', detail: '{"rows":18}' });
  });

  it('R-SMOKE-2 / R-SMOKE-3: the ConsoleApi pages history newest first, filters it, and validates trend ranges', async () => {
    const core = await start('smoke: { interval: 1h }');
    for (let i = 0; i < 3; i++) await value(core, 'smoke.run');
    type Page = { rows: Array<{ id: number; check: string; status: string; at: number }>; next: number | null };
    const first = await value<Page>(core, 'smoke.history', { limit: 10 });
    expect(first.rows).toHaveLength(10);
    expect(first.rows[0]!.id).toBeGreaterThan(first.rows[9]!.id);
    const second = await value<Page>(core, 'smoke.history', { limit: 100, before: first.next });
    expect(second.rows).toHaveLength(14); // 4 runs × 6 checks = 24 rows in all
    expect(second.next).toBeNull();
    expect(second.rows[0]!.id).toBe(first.rows[9]!.id - 1);
    const warnings = await value<Page>(core, 'smoke.history', { limit: 100, status: 'warning', check: 'outbox_backlog' });
    expect(warnings.rows.every((r) => r.status === 'warning' && r.check === 'outbox_backlog')).toBe(true);
    const latest = await value<{ results: unknown[] }>(core, 'smoke.latest');
    expect(latest.results).toHaveLength(6);
    const bad = await core.call('smoke.trend', { bucket: 'hour', since: 2_000, until: 1_000 });
    expect(bad).toEqual({ ok: false, error: { code: 'bad_request', message: 'since: since must be before until' } });
    const badBucket = await core.dispatch('smoke.trend', { bucket: 'week' });
    expect(badBucket.ok).toBe(false);
    const trend = await value<{ points: Array<{ ok: number; warning: number; critical: number }> }>(core, 'smoke.trend', { bucket: 'day' });
    expect(trend.points.reduce((n, p) => n + p.ok + p.warning + p.critical, 0)).toBe(24);
    const summary = await value<{ runs: number }>(core, 'smoke.summary', {});
    expect(summary.runs).toBe(4);
  });

  it('R-SMOKE-4: the summary on demand reaches a real webhook channel through the outbox, computed from history', async () => {
    const hook = await startWebhookReceiver();
    try {
      const core = await start(`channels: [{ name: hook, type: webhook, url: "${hook.url}" }]
routes: [{ channels: [hook] }]
smoke: { interval: 1h, summaryChannels: [hook], summaryTimeZone: UTC }`);
      await value(core, 'smoke.run');
      const sent = await value<{ channels: string[]; summary: { runs: number } }>(core, 'smoke.sendSummary');
      expect(sent.channels).toEqual(['hook']);
      expect(sent.summary.runs).toBe(2);
      const deadline = Date.now() + 10_000;
      while (hook.delivered.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      const d = hook.delivered.find((x) => x.body.message.kind === 'summary')!;
      expect(d.body.message.title).toMatch(/^Vigil daily smoke summary/);
      expect(d.body.message.body).toMatch(/2 runs · OK \d+ · Warning \d+ · Critical 0/);
      expect(d.body.idempotencyKey).toMatch(/^smoke-summary:manual:\d+:hook$/);
    } finally {
      await hook.close();
    }
  });

  it('R-ROUTE-1: a scheduled smoke job that throws becomes a vigil event', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const core = await start('smoke: { interval: 1m }', clock);
    await new Promise((r) => setTimeout(r, 20));
    core.areas.db.exec('DROP TABLE smoke_rollup'); // the next run cannot be written
    clock.advance(60_000);
    const deadline = Date.now() + 5_000;
    while (count(core, "SELECT COUNT(*) AS n FROM events WHERE source = 'vigil'") === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const ev = core.areas.db.prepare("SELECT summary, labels FROM events WHERE source = 'vigil'").get() as {
      summary: string;
      labels: string;
    };
    expect(ev.summary).toMatch(/^Vigil: scheduled job smoke\.run failed: .*smoke_rollup/);
    expect(JSON.parse(ev.labels)).toMatchObject({ alertname: 'VigilComponentFailed', component: 'scheduled job smoke.run' });
  });
});
