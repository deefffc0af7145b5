import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type SshdFixture } from '../../../e2e/fixtures/sshd';
import { FakeClock } from '../clock';
import { remoteTestbed, type RemoteTestbed } from '../remote/testbed';

let sshd: SshdFixture;
const beds: RemoteTestbed[] = [];

const bed = (heal: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const tb = remoteTestbed({
    hosts: [sshd.hostConfig('app1')],
    config: { heal, protected: [{ label: 'vigil.protected=true' }, { container: 'billing-*' }], ...extra },
    clock,
  });
  beds.push(tb);
  return { tb, clock };
};
const restarted = (): string[] => {
  const f = join(sshd.stateDir, 'restarted.log');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
};
const propose = (tb: RemoteTestbed, action: 'restart_container' | 'restart_service', target: string) =>
  tb.heal.propose({ action, host: 'app1', target, reason: 'health check failing', proposedBy: 'router', source: 'router' });

beforeAll(async () => {
  sshd = await startSshd({ recordExec: true });
  sshd.setContainer('web', { image: 'nginx:1.25' });
  sshd.setContainer('api', { image: 'ghcr.io/acme/api:2.3' });
  sshd.setContainer('worker', { image: 'acme/worker:1' });
  sshd.setContainer('cache-proxy', { image: 'docker.io/library/postgres:16.2' }); // harmless name, database image
  sshd.setContainer('ledger', { image: 'acme/ledger:1', labels: { 'vigil.protected': 'true' } });
  sshd.setUnitAlias('appdb.service', 'postgresql@15-main.service');
});
afterAll(async () => {
  for (const b of beds) await b.close();
  await sshd?.stop();
});

describe('AutoHeal against a real sshd', () => {
  it('R-HEAL-4/R-HEAL-6: an approved heal runs once and leaves an incident, a heal-log entry, a knowledge entry and audit records', async () => {
    const { tb } = bed();
    const a = propose(tb, 'restart_container', 'web');
    expect(a).toMatchObject({ status: 'pending', command: `timeout --signal=KILL 60s 'docker' 'restart' 'web'` });
    expect(tb.heal.pending().map((p) => p.id)).toEqual([a.id]);
    expect((await tb.metrics.hitlPending.get()).values[0]?.value).toBe(1);
    const done = await tb.heal.decide(a.id, 'approve', 'alice', 'web is down, restart is safe');
    expect(done).toMatchObject({ status: 'executed', decidedBy: 'alice', decisionReason: 'web is down, restart is safe' });
    expect(restarted()).toContain('web');
    expect(sshd.toolCalls()).toContain('docker restart web');
    expect(tb.heal.incidents(10)[0]).toMatchObject({ approvalId: a.id, status: 'mitigated', target: 'web' });
    expect(tb.heal.logs(10)[0]).toMatchObject({ approvalId: a.id, result: 'executed', exitCode: 0, actor: 'alice' });
    expect(tb.memory.findByRef(`approval:${a.id}`, 'resolution')?.title).toMatch(/restart_container of web/);
    const actions = tb.audit
      .list({ limit: 50 })
      .map((r) => r.action)
      .reverse();
    expect(actions).toEqual(['heal.proposed', 'approval.approved', 'heal.execute', 'heal.result']);
    expect(tb.audit.verifyChain().ok).toBe(true);
    expect(
      (await tb.metrics.autohealActions.get()).values.find((v) => v.labels.action === 'restart_container' && v.labels.result === 'executed')
        ?.value,
    ).toBe(1);
  });

  it('R-HEAL-4: an approval is single-use: approving it again runs nothing', async () => {
    const { tb } = bed();
    const a = propose(tb, 'restart_container', 'api');
    await tb.heal.decide(a.id, 'approve', 'alice', 'ok');
    const count = restarted().filter((r) => r === 'api').length;
    await expect(tb.heal.decide(a.id, 'approve', 'mallory', 'again')).rejects.toMatchObject({ code: 'conflict' });
    expect(restarted().filter((r) => r === 'api').length).toBe(count);
    expect(tb.audit.list({ action: 'approval.reuse_refused' })[0]?.actor).toBe('mallory');
  });

  it('R-HEAL-4: an expired or rejected approval never runs', async () => {
    const { tb, clock } = bed();
    const before = sshd.toolCalls().filter((c) => c.startsWith('docker restart')).length;
    const expired = propose(tb, 'restart_container', 'worker');
    clock.advance(15 * 60_000 + 1);
    await expect(tb.heal.decide(expired.id, 'approve', 'alice', 'late')).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/expired/),
    });
    expect(tb.heal.history(10).find((h) => h.id === expired.id)?.status).toBe('expired');
    const rejected = propose(tb, 'restart_container', 'worker');
    await tb.heal.decide(rejected.id, 'reject', 'bob', 'not now');
    await expect(tb.heal.decide(rejected.id, 'approve', 'alice', 'changed my mind')).rejects.toMatchObject({ code: 'conflict' });
    expect(sshd.toolCalls().filter((c) => c.startsWith('docker restart')).length).toBe(before);
    expect(tb.heal.pending()).toEqual([]);
  });

  it('R-HEAL-4: unused approvals expire on their own (sweeper), audited and no longer pending', async () => {
    const { tb, clock } = bed({ approvalTtl: '5m' });
    tb.heal.start();
    try {
      const a = propose(tb, 'restart_service', 'nginx');
      clock.advance(4 * 60_000);
      expect(tb.heal.pending().map((p) => p.id)).toEqual([a.id]);
      clock.advance(2 * 60_000);
      expect(tb.heal.pending()).toEqual([]);
      expect(tb.heal.history(5)[0]).toMatchObject({ id: a.id, status: 'expired' });
      expect(tb.audit.list({ action: 'approval.expired' })[0]?.subject).toBe(`approval:${a.id}`);
      expect((await tb.metrics.hitlPending.get()).values[0]?.value).toBe(0);
    } finally {
      tb.heal.stop();
    }
  });

  it('R-HEAL-3: a protected container is refused even with an approval (live re-check finds a database image)', async () => {
    const { tb } = bed();
    const a = propose(tb, 'restart_container', 'cache-proxy'); // the name does not look protected
    const r = await tb.heal.decide(a.id, 'approve', 'alice', 'looks harmless');
    expect(r.status).toBe('denied');
    expect(r.outcome).toMatch(/protected image docker.io\/library\/postgres:16.2/);
    expect(sshd.toolCalls()).toContain('docker inspect --type container cache-proxy');
    expect(sshd.toolCalls()).not.toContain('docker restart cache-proxy');
    expect(restarted()).not.toContain('cache-proxy');
    // Labels and unit aliases are checked live too.
    const l = await tb.heal.decide(propose(tb, 'restart_container', 'ledger').id, 'approve', 'alice', 'x');
    expect(l).toMatchObject({ status: 'denied', outcome: expect.stringMatching(/label vigil.protected=true/) });
    const u = await tb.heal.decide(propose(tb, 'restart_service', 'appdb.service').id, 'approve', 'alice', 'x');
    expect(u).toMatchObject({ status: 'denied', outcome: expect.stringMatching(/postgresql@15-main.service/) });
    expect(sshd.toolCalls().filter((c) => c.startsWith('systemctl restart'))).toEqual([]);
    expect(tb.heal.logs(10).filter((l) => l.result === 'denied')).toHaveLength(3);
  });

  it('R-HEAL-3: protected names are refused in code at proposal time', () => {
    const { tb } = bed();
    for (const [action, target] of [
      ['restart_container', 'postgres-main'],
      ['restart_container', 'Redis'],
      ['restart_container', 'billing-api'],
      ['restart_service', 'mysql.service'],
      ['restart_service', 'mongod'],
    ] as const) {
      expect(() => propose(tb, action, target), target).toThrow(/protected/);
    }
    expect(() => propose(tb, 'restart_container', 'web;reboot')).toThrow(/not a valid container name/);
    expect(() => tb.heal.propose({ action: 'rm_rf', host: 'app1', target: 'x', reason: 'r', proposedBy: 'llm', source: 'agent' })).toThrow(
      /not a heal action/,
    );
    expect(tb.heal.pending()).toEqual([]);
    expect(tb.audit.list({ action: 'heal.proposal_refused' })).toHaveLength(5);
  });

  it('R-HEAL-7: the kill switch stops proposals and approved actions, and is audited', async () => {
    const { tb } = bed();
    const a = propose(tb, 'restart_container', 'web');
    tb.heal.setKillSwitch(true, 'carol', 'incident freeze');
    expect(tb.heal.killSwitch()).toEqual({ on: true, source: 'runtime', by: 'carol' });
    expect(() => propose(tb, 'restart_container', 'api')).toThrow(/kill switch/);
    const before = restarted().length;
    expect((await tb.heal.decide(a.id, 'approve', 'alice', 'go')).status).toBe('denied');
    expect(restarted().length).toBe(before);
    tb.heal.setKillSwitch(false, 'carol', 'freeze over');
    expect(tb.audit.list({}).map((r) => r.action)).toEqual(expect.arrayContaining(['heal.kill_switch_on', 'heal.kill_switch_off']));
    const { tb: cfgOff } = bed({ killSwitch: true });
    expect(cfgOff.heal.killSwitch().source).toBe('config');
  });

  it('R-HEAL-7: per-target rate limit', async () => {
    const { tb, clock } = bed({ ratePerTarget: 1, rateWindow: '1h', loopThreshold: 5 });
    expect((await tb.heal.decide(propose(tb, 'restart_service', 'nginx').id, 'approve', 'a', 'x')).status).toBe('executed');
    const second = await tb.heal.decide(propose(tb, 'restart_service', 'nginx').id, 'approve', 'a', 'x');
    expect(second).toMatchObject({ status: 'denied', outcome: expect.stringMatching(/rate_limited/) });
    clock.advance(3_600_001);
    expect((await tb.heal.decide(propose(tb, 'restart_service', 'nginx').id, 'approve', 'a', 'x')).status).toBe('executed');
  });

  it('R-HEAL-7: restart-loop detection stops and raises an escalation event', async () => {
    const { tb, clock } = bed({ ratePerTarget: 10, loopThreshold: 2, loopWindow: '30m' });
    for (let i = 0; i < 2; i++) {
      expect((await tb.heal.decide(propose(tb, 'restart_container', 'worker').id, 'approve', 'a', 'x')).status).toBe('executed');
      clock.advance(60_000);
    }
    const third = await tb.heal.decide(propose(tb, 'restart_container', 'worker').id, 'approve', 'a', 'x');
    expect(third).toMatchObject({ status: 'denied', outcome: expect.stringMatching(/restart_loop/) });
    expect(tb.events.find((e) => e.labels.alertname === 'AutoHealRestartLoop')).toMatchObject({
      severity: 'critical',
      labels: { target: 'worker', host: 'app1' },
    });
  });

  it('R-HEAL-7: a dry run shows the exact command and runs nothing that changes the host', async () => {
    const { tb } = bed();
    const before = restarted().length;
    const d = await tb.heal.dryRun({ action: 'restart_container', host: 'app1', target: 'web' }, 'alice');
    expect(d).toEqual({ command: `timeout --signal=KILL 60s 'docker' 'restart' 'web'`, host: 'app1', wouldRun: true, blockers: [] });
    const p = await tb.heal.dryRun({ action: 'restart_container', host: 'app1', target: 'cache-proxy' }, 'alice');
    expect(p.wouldRun).toBe(false);
    expect(p.blockers.join()).toMatch(/postgres/);
    expect(restarted().length).toBe(before);
    expect(tb.audit.list({ action: 'heal.dry_run' })).toHaveLength(2);
  });

  it('R-HEAL-5: if the audit cannot be written, nothing executes', async () => {
    const { tb } = bed();
    const a = propose(tb, 'restart_container', 'api');
    const before = sshd.execLog().length;
    tb.breakAudit();
    await expect(tb.heal.decide(a.id, 'approve', 'alice', 'go')).rejects.toMatchObject({ code: 'unavailable' });
    expect(sshd.execLog().length).toBe(before); // not even the live check reached the host
    expect(tb.heal.pending().map((p) => p.id)).toEqual([a.id]); // the approval was not consumed either
    expect(() => propose(tb, 'restart_container', 'web')).toThrow(/audit log cannot be written/);
    expect(tb.heal.pending()).toHaveLength(1);
    await expect(tb.diag.run('app1', 'uptime', 'alice')).rejects.toMatchObject({ code: 'unavailable' });
    expect(sshd.execLog().length).toBe(before);
  });

  it('R-HEAL-4: an approval whose stored action was altered does not run', async () => {
    const { tb } = bed();
    const a = propose(tb, 'restart_container', 'web');
    tb.db.prepare(`UPDATE heal_approvals SET target = 'api', command = '''docker'' ''restart'' ''api''' WHERE id = ?`).run(a.id);
    const before = restarted().length;
    await expect(tb.heal.decide(a.id, 'approve', 'alice', 'go')).rejects.toMatchObject({ code: 'forbidden' });
    expect(restarted().length).toBe(before);
  });
});
