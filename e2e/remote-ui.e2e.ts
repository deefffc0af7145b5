import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { startSshd, type SshdFixture } from './fixtures/sshd';
import { ConsolePage } from './pages/console';
import { ApprovalsPage, HostsPage } from './pages/remote';
import { consoleRig } from './pages/setup';

let sshd: SshdFixture;

interface Approval {
  id: string;
  status: string;
  command: string;
  decidedBy: string | null;
  decisionReason: string | null;
}

beforeAll(async () => {
  sshd = await startSshd({ recordExec: true });
  sshd.setContainer('web', { image: 'nginx:1.25' });
});
afterAll(() => sshd?.stop());
const host = (name: string, pinned: boolean) =>
  `  - { name: ${name}, address: 127.0.0.1, port: ${sshd.port}, user: vigiltest, keyFile: ${sshd.clientKeyPath}${pinned ? `, hostKey: "${sshd.hostKeyFingerprint}"` : ''} }`;
// app1 is pinned in the config; app2 is the same sshd, not pinned yet (its key must be accepted in the console).
const rig = consoleRig(() => ['hosts:', host('app1', true), host('app2', false)].join('\n'));

describe('Approvals, Hosts, Incidents and Audit against vigil serve and a real sshd', () => {
  it('R-UI: a pending heal shows the exact command, host and countdown; reject with a reason, approve runs it once', async () => {
    const a1 = await rig.vigil.rpc<Approval>('heal.propose', {
      action: 'restart_container',
      host: 'app1',
      target: 'web',
      reason: 'web answers 502',
    });
    const a2 = await rig.vigil.rpc<Approval>('heal.propose', {
      action: 'restart_service',
      host: 'app1',
      target: 'nginx',
      reason: 'config reload stuck',
    });
    const ui = new ConsolePage(rig.browser.page);
    const ap = new ApprovalsPage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await ui.goto('Approvals');
    await expect.poll(() => ap.pending.count()).toBe(2);
    expect(await ap.card(a1.id).getByTestId('command').textContent()).toBe(a1.command);
    expect(await ap.card(a1.id).textContent()).toContain('on app1');
    const first = await ap.card(a1.id).getByTestId('expiry').textContent();
    expect(first).toMatch(/^expires in 1[45] m \d\d s$/);
    await expect.poll(() => ap.card(a1.id).getByTestId('expiry').textContent(), { timeout: 5000 }).not.toBe(first);

    await ap.card(a2.id).getByLabel(`Reason for ${a2.id}`).fill('reload is enough');
    await ap.card(a2.id).getByRole('button', { name: 'Reject…' }).click();
    await ap.dialog.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => ap.pending.count()).toBe(1);
    await expect.poll(() => ap.historyRow('nginx').textContent()).toContain('rejected');
    expect(await ap.historyRow('nginx').textContent()).toContain('reload is enough');

    await ap.card(a1.id).getByLabel(`Reason for ${a1.id}`).fill('502s for 5 minutes');
    await ap.card(a1.id).getByRole('button', { name: 'Approve…' }).click();
    // The confirmation repeats the exact command before anything runs.
    expect(await ap.dialog.locator('pre').textContent()).toBe(a1.command);
    expect(sshd.toolCalls()).not.toContain('docker restart web');
    await screenshot(rig.browser.page, 'approvals-confirm');
    await ap.dialog.getByRole('button', { name: 'Approve and run' }).click();
    await expect.poll(() => ap.pending.count()).toBe(0);
    // The card leaves the list when the decision is recorded; the command runs right after (over SSH), so wait for it.
    await expect.poll(() => sshd.toolCalls().filter((c) => c === 'docker restart web').length, { timeout: 15_000 }).toBe(1);
    const decided = async () =>
      (await rig.vigil.rpc<{ approvals: Approval[] }>('approvals.history', {})).approvals.find((x) => x.id === a1.id);
    await expect.poll(async () => (await decided())?.status, { timeout: 15_000 }).toBe('executed');
    expect(await decided()).toMatchObject({
      status: 'executed',
      // R-PEOPLE-2: recorded as the signed-in person (the server's admin token), not the name typed in the box.
      decidedBy: 'admin',
      decisionReason: '502s for 5 minutes',
    });
    await expect.poll(() => ap.historyRow('web').textContent()).toContain('executed');
    await screenshot(rig.browser.page, 'approvals');

    // The heal log shows the run; the audit chain verifies.
    await ui.goto('Incidents');
    await expect.poll(() => rig.browser.page.getByRole('table', { name: 'Heal log' }).textContent()).toContain('admin');
    await screenshot(rig.browser.page, 'incidents');
    await ui.goto('Audit');
    const verify = await rig.vigil.rpc<{ ok: boolean; rows: number }>('audit.verify');
    expect(verify.ok).toBe(true);
    await expect.poll(() => rig.browser.page.getByTestId('audit-verify').textContent()).toMatch(/Chain intact: \d+ row\(s\) verified/);
    const entries = await rig.vigil.rpc<{ entries: { action: string }[] }>('audit.list', {});
    await expect
      .poll(() => rig.browser.page.getByRole('table', { name: 'Audit entries' }).locator('tbody tr').count())
      .toBe(entries.entries.length);
    await screenshot(rig.browser.page, 'audit');
  });

  it('R-UI: the diagnostic console says as you type whether a command may run and why not; an unpinned host key is accepted explicitly', async () => {
    const ui = new ConsolePage(rig.browser.page);
    const hp = new HostsPage(rig.browser.page);
    await ui.goto('Hosts');
    await hp.row('app2').getByRole('button', { name: 'Check app2 now' }).click();
    await expect.poll(() => hp.row('app2').textContent()).toContain('host key unknown');
    await hp.row('app2').getByRole('button', { name: 'Accept host key of app2' }).click();
    expect(await hp.dialog.getByTestId('presented-fingerprint').textContent()).toBe(sshd.hostKeyFingerprint);
    await hp.dialog.getByRole('button', { name: 'Pin this key' }).click();
    await expect
      .poll(
        async () =>
          (await rig.vigil.rpc<{ hosts: { name: string; pinnedFingerprint: string | null }[] }>('hosts.list')).hosts.find(
            (h) => h.name === 'app2',
          )!.pinnedFingerprint,
      )
      .toBe(sshd.hostKeyFingerprint);
    await expect.poll(() => hp.row('app2').textContent()).toContain('pinned from console');
    // Accepting connects again: the host is ok now and offers no second accept.
    await expect.poll(() => hp.row('app2').locator('.badge').textContent()).toBe('ok');
    expect(await hp.row('app2').getByRole('button', { name: 'Accept host key of app2' }).count()).toBe(0);

    await hp.type('systemctl is-active nginx; touch /tmp/pwned');
    const refused = await rig.vigil.rpc<{ allowed: boolean; reason: string }>('diag.check', {
      command: 'systemctl is-active nginx; touch /tmp/pwned',
      host: 'app1',
    });
    expect(refused.allowed).toBe(false);
    await expect.poll(() => hp.verdict.textContent()).toBe(`Not allowed: ${refused.reason}`);
    expect(await rig.browser.page.getByRole('button', { name: 'Run' }).isDisabled()).toBe(true);
    await screenshot(rig.browser.page, 'hosts-diag-refused');

    await hp.type('systemctl is-active nginx');
    await expect.poll(() => hp.verdict.textContent()).toMatch(/^Allowed by template \S+; sends /);
    await rig.browser.page.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => hp.output.textContent()).toContain('active');
    expect(await hp.output.textContent()).toContain('exit 0');
    expect(sshd.execLog().some((l) => l.includes('pwned'))).toBe(false);
    await screenshot(rig.browser.page, 'hosts');
  });
});
