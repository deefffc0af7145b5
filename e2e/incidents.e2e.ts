import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { loopHostAndRule } from './fixtures/loop';
import { startSshd, type SshdFixture } from './fixtures/sshd';
import { ConsolePage } from './pages/console';
import { consoleRig, postEvents } from './pages/setup';

/**
 * The closed loop in the console (built `vigil serve`, Chromium, the real sshd
 * test host with its fake systemctl): a Hermes plan's approval shows its
 * evidence next to the exact command; after the heal is verified the
 * Incidents page lists the incident and opens its whole timeline.
 */
let sshd: SshdFixture;

interface PlanView {
  id: string;
  status: string;
  createdBy: string;
  steps: Array<{ type: string; status: string }>;
}
const NGINX = { alertname: 'NginxDown', host: 'web1', service: 'nginx' };

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(() => sshd?.stop());
const rig = consoleRig(
  () => `
channels: [{ name: desktop, type: desktop }]
routes: [{ channels: [desktop] }]
heal: { verifyWindow: 10m }
${loopHostAndRule(sshd)}`,
);

const plans = async () => (await rig.vigil.rpc<{ items: PlanView[] }>('plans.list', {})).items;

describe('the closed loop in the console', () => {
  it('R-LOOP-5: the approval shows who proposed it, the exact command, the diagnosis output, the suspected change and the recall; approving heals on the host', async () => {
    const change = await rig.vigil.api('/api/v1/changes', {
      method: 'POST',
      body: JSON.stringify({
        kind: 'deploy',
        service: 'nginx',
        hosts: ['web1'],
        version: '1.27.1',
        author: 'alice',
        at: new Date(Date.now() - 3 * 60_000).toISOString(),
      }),
    });
    expect(change.status).toBe(201);
    await postEvents(rig.vigil, [{ source: 'prometheus', severity: 'critical', summary: 'nginx is down on web1', labels: NGINX }]);
    await expect.poll(async () => (await plans()).find((p) => p.status === 'waiting')?.createdBy, { timeout: 30_000 }).toBe('hermes');

    const ui = new ConsolePage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await ui.goto('Approvals');
    const prompt = rig.browser.page.getByTestId('plan-prompt');
    await expect.poll(() => prompt.count(), { timeout: 10_000 }).toBe(1);
    expect(await prompt.getByTestId('proposer').textContent()).toMatch(/proposed by hermes \(alert\) for alert \S+\.$/);
    expect(await prompt.getByTestId('command').textContent()).toBe(`timeout --signal=KILL 60s 'systemctl' 'restart' 'nginx'`);
    const evidence = prompt.getByTestId('evidence');
    expect(await evidence.locator('[data-kind=triage]').textContent()).toContain('Hermes rule "nginx-down": web P2');
    // The read-only diagnosis already ran on web1; its output is shown before anyone decides.
    expect(await evidence.locator('[data-kind=diagnosis]').textContent()).toMatch(
      /systemctl status --no-pager nginx on web1.*nginx - fake unit/s,
    );
    expect(await evidence.locator('[data-kind=change]').textContent()).toContain('deploy nginx 1.27.1 by alice, 3 min before');
    expect(await evidence.textContent()).toContain('Memory: no past outcome of this alert recalled.');
    expect(sshd.toolCalls()).not.toContain('systemctl restart nginx');
    await screenshot(rig.browser.page, 'loop-approval-evidence');

    await prompt.getByRole('button', { name: 'Approve step' }).click();
    await expect.poll(() => sshd.toolCalls(), { timeout: 30_000 }).toContain('systemctl restart nginx');
    await expect.poll(async () => (await plans())[0]!.steps.find((s) => s.type === 'verify')?.status, { timeout: 30_000 }).toBe('running');
    await postEvents(rig.vigil, [
      { source: 'prometheus', severity: 'critical', status: 'resolved', summary: 'nginx is down on web1', labels: NGINX },
    ]);
    await expect.poll(async () => (await plans())[0]!.status, { timeout: 30_000 }).toBe('succeeded');
  });

  it('R-LOOP-4: the Incidents page lists open incidents first and opens the whole timeline; a note is added; the post-incident draft is shown', async () => {
    // A second group still firing: it must be listed above the resolved one.
    await postEvents(rig.vigil, [
      { source: 'prometheus', severity: 'warning', summary: 'disk 91 % full on db1', labels: { alertname: 'DiskFull', host: 'db1' } },
    ]);
    const ui = new ConsolePage(rig.browser.page);
    await ui.goto('Incidents');
    const table = rig.browser.page.getByRole('table', { name: 'Incidents' });
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 10_000 }).toBe(2);
    expect(await table.locator('tbody tr').nth(0).textContent()).toMatch(/^open.*disk 91 % full on db1/);
    expect(await table.locator('tbody tr').nth(1).textContent()).toMatch(/^resolved.*nginx is down on web1/);
    expect(await rig.browser.page.getByTestId('incidents-meta').textContent()).toBe('1 open · 1 resolved · open first');
    await screenshot(rig.browser.page, 'loop-incidents-list');

    await table.getByRole('link', { name: 'nginx is down on web1' }).click();
    const detail = rig.browser.page.getByTestId('incident-detail');
    const timeline = detail.getByRole('list', { name: 'Incident timeline' });
    await expect.poll(() => timeline.locator('li[data-kind=verification]').count(), { timeout: 10_000 }).toBe(1);
    const kinds = await timeline.locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    for (const k of ['change', 'opened', 'alert', 'notification', 'plan', 'diagnosis', 'approval', 'heal', 'verification', 'resolution'])
      expect(kinds, k).toContain(k);
    // Oldest first: the deploy, then the alert, …, the resolution.
    expect(kinds[0]).toBe('change');
    expect(kinds.indexOf('approval')).toBeLessThan(kinds.indexOf('heal'));
    expect(await timeline.locator('li[data-kind=change]').textContent()).toContain('deploy nginx 1.27.1 by alice, 3 min before');
    expect(await timeline.locator('li[data-kind=verification]').textContent()).toMatch(/restart_service nginx on web1 fixed NginxDown/);
    expect(await timeline.locator('li[data-kind=heal]').first().textContent()).toContain(`'systemctl' 'restart' 'nginx'`);
    expect(await detail.getByTestId('impact-window').textContent()).not.toContain('still open');

    await detail.getByLabel('Incident note').fill('nginx worker pool exhausted after the 1.27.1 deploy');
    await detail.getByRole('button', { name: 'Add note' }).click();
    await expect
      .poll(() => timeline.locator('li[data-kind=note]').textContent(), { timeout: 10_000 })
      .toContain('nginx worker pool exhausted after the 1.27.1 deploy');
    expect(await detail.getByLabel('Incident note').inputValue()).toBe('');

    await detail.getByRole('button', { name: 'Post-incident draft' }).click();
    const draft = detail.getByTestId('incident-draft');
    await expect.poll(() => draft.textContent(), { timeout: 10_000 }).toContain('## What helped');
    expect(await draft.textContent()).toContain('- restart_service nginx on web1 fixed NginxDown');
    expect(await draft.textContent()).toContain('nginx worker pool exhausted after the 1.27.1 deploy');
    await screenshot(rig.browser.page, 'loop-incident-timeline');
  });
});
