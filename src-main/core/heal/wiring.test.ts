import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type SshdFixture } from '../../../e2e/fixtures/sshd';
import { createCore, type Core } from '../app';
import { ConfigSchema } from '../config';
import { createLogger } from '../log';
import { until } from '../notify/testing';

let sshd: SshdFixture;
let core: Core;
const dir = mkdtempSync(join(tmpdir(), 'vigil-healcore-'));

beforeAll(async () => {
  sshd = await startSshd();
  sshd.setContainer('web', { image: 'nginx:1.25' });
  const config = ConfigSchema.parse({
    hosts: [sshd.hostConfig('app1'), sshd.hostConfig('new1', { hostKey: undefined })],
  });
  core = createCore({ config, dataDir: dir, log: createLogger(null) });
  await core.start();
});
afterAll(async () => {
  await core?.stop();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = async <T = Record<string, unknown>>(m: string, input: unknown): Promise<T> => {
  const r = await core.dispatch(m, input);
  if (!r.ok) throw new Error(`${m}: ${r.error.code}: ${r.error.message}`);
  return r.value as T;
};

describe('remote and heal through the ConsoleApi', () => {
  it('R-HEAL-1: diag.check gives the verdict as typed; diag.run runs only allowed commands', async () => {
    expect(await call('diag.check', { command: 'docker logs --tail 50 web', host: 'app1' })).toEqual({
      allowed: true,
      templateId: 'docker-logs',
      reason: null,
      sent: `'docker' 'logs' '--tail' '50' 'web'`,
    });
    expect(await call('diag.check', { command: 'docker logs --tail 50 web | sh' })).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/pipe/),
    });
    expect(await call('diag.run', { host: 'app1', command: 'uptime' })).toMatchObject({ templateId: 'uptime', exitCode: 0 });
    const denied = await core.call('diag.run', { host: 'app1', command: 'cat /etc/shadow' });
    expect(denied).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('R-HEAL-2: hosts.check on an unpinned host shows the fingerprint; hosts.acceptKey pins it', async () => {
    const v = await call<{ status: string; seenFingerprint: string }>('hosts.check', { host: 'new1' });
    expect(v).toMatchObject({ status: 'host_key_unknown', seenFingerprint: sshd.hostKeyFingerprint });
    // The refusal reached the router's intake as an event carrying the fingerprint.
    const ev = await call<{ items: Array<{ labels: Record<string, string>; source: string }> }>('events.list', {
      label: 'alertname=SshHostKeyUnknown',
    });
    expect(ev.items[0]).toMatchObject({ source: 'vigil', labels: { host: 'new1', fingerprint: sshd.hostKeyFingerprint } });
    expect(await call('hosts.acceptKey', { host: 'new1', fingerprint: sshd.hostKeyFingerprint, by: 'alice' })).toMatchObject({
      pinnedFrom: 'console',
    });
    expect(await call('hosts.check', { host: 'new1' })).toMatchObject({ status: 'ok' });
  });

  it('R-HEAL-4/R-HEAL-5/R-HEAL-6: propose → approvals.list → approvals.decide → incidents, heal log, memory, audit', async () => {
    const a = await call<{ id: string; command: string }>('heal.propose', {
      action: 'restart_container',
      host: 'app1',
      target: 'web',
      reason: 'web returns 502',
    });
    const list = await call<{ approvals: Array<{ id: string; command: string; expiresAt: number }> }>('approvals.list', {});
    expect(list.approvals).toEqual([expect.objectContaining({ id: a.id, command: `timeout --signal=KILL 60s 'docker' 'restart' 'web'` })]);
    expect((await core.ctx.metrics.hitlPending.get()).values[0]?.value).toBe(1);
    expect(await call('approvals.decide', { id: a.id, decision: 'approve', by: 'alice', reason: 'known fix' })).toMatchObject({
      status: 'executed',
    });
    expect((await core.ctx.metrics.hitlPending.get()).values[0]?.value).toBe(0);
    expect((await call<{ incidents: unknown[] }>('heal.incidents', {})).incidents).toHaveLength(1);
    expect((await call<{ entries: Array<{ result: string }> }>('heallog.list', {})).entries[0]?.result).toBe('executed');
    expect((await call<{ approvals: Array<{ id: string }> }>('approvals.history', {})).approvals[0]?.id).toBe(a.id);
    const mem = await call<{ results: Array<{ insight: { title: string } }> }>('memory.search', {
      query: 'restart_container web',
      mode: 'keyword',
    });
    expect(mem.results.some((r) => /AutoHeal restart_container of web/.test(r.insight.title))).toBe(true);
    expect(await call('audit.verify', {})).toMatchObject({ ok: true, firstBroken: null });
    const actions = (await call<{ entries: Array<{ action: string }> }>('audit.list', { limit: 100 })).entries.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'heal.proposed',
        'approval.approved',
        'heal.execute',
        'heal.result',
        'diag.run',
        'diag.denied',
        'host.key_accepted',
      ]),
    );
  });

  it('R-HEAL-7: kill switch set/get through the API is audited', async () => {
    expect(await call('heal.killSwitch.set', { on: true, by: 'carol', reason: 'freeze' })).toEqual({
      on: true,
      source: 'runtime',
      by: 'carol',
    });
    const r = await core.call('heal.propose', { action: 'restart_service', host: 'app1', target: 'nginx', reason: 'x' });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/kill switch/) } });
    expect(await call('heal.killSwitch.set', { on: false, by: 'carol' })).toMatchObject({ on: false });
    expect(await call('heal.dryRun', { action: 'restart_service', host: 'app1', target: 'nginx' })).toMatchObject({
      wouldRun: true,
      command: `timeout --signal=KILL 60s 'systemctl' 'restart' 'nginx'`,
    });
  });

  it("R-ROUTE-1: a failed knowledge write after a heal and a failed audit write on an approval's expiry become vigil events, not silence", async () => {
    const db = core.areas.db;
    const vigilEvents = () =>
      (db.prepare(`SELECT summary FROM events WHERE source = 'vigil'`).all() as Array<{ summary: string }>).map((r) => r.summary);
    db.exec(`CREATE TRIGGER test_insights_fail BEFORE INSERT ON insights BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    try {
      const a = await call<{ id: string }>('heal.propose', { action: 'restart_service', host: 'app1', target: 'nginx', reason: 'down' });
      expect(await call('approvals.decide', { id: a.id, decision: 'approve', by: 'alice' })).toMatchObject({ status: 'executed' });
    } finally {
      db.exec('DROP TRIGGER test_insights_fail');
    }
    const b = await call<{ id: string }>('heal.propose', { action: 'restart_container', host: 'app1', target: 'web', reason: 'again' });
    db.exec(
      `CREATE TRIGGER test_audit_fail BEFORE INSERT ON audit_log WHEN NEW.action = 'approval.expired' BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
    );
    try {
      db.prepare('UPDATE heal_approvals SET expires_at = 1 WHERE id = ?').run(b.id);
      core.areas.heal.expireDue();
    } finally {
      db.exec('DROP TRIGGER test_audit_fail');
    }
    expect((await call<{ approvals: Array<{ id: string }> }>('approvals.list', {})).approvals.map((x) => x.id)).not.toContain(b.id);
    await core.areas.router.drain();
    await until(() => vigilEvents().length >= 2, 'two vigil events');
    expect(vigilEvents()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/knowledge write after AutoHeal restart_service of nginx on app1 failed: disk I\/O error/),
        expect.stringMatching(new RegExp(`audit write for the expiry of approval ${b.id} failed: .*disk full`)),
      ]),
    );
  });
});
