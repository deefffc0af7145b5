import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { consoleRig, drained, postEvents } from './pages/setup';

/** Buttons a person's role may not use say so before the click (R-PEOPLE-5); the core still refuses the call. */
const rig = consoleRig();

describe('what a role may not do is disabled, with the reason (vigil serve + Chromium)', () => {
  it('R-PEOPLE-5: a viewer sees Acknowledge, Silence and Approve disabled with the core’s refusal as the reason; a responder may acknowledge but not approve; a role change applies without a reload', async () => {
    const [id] = await postEvents(rig.vigil, [
      { source: 'app', severity: 'critical', summary: 'db primary disk 95%', labels: { alertname: 'DiskFull', instance: 'db1' } },
    ]);
    await drained(rig.vigil, [id!]);
    const plan = await rig.vigil.rpc<{ id: string }>('plans.create', {
      title: 'Clean logs on web-1',
      createdBy: 'e2e',
      steps: [{ type: 'wait_for_approval', question: 'Delete rotated logs older than 7 days on web-1?' }],
    });
    await expect.poll(async () => (await rig.vigil.rpc<{ status: string }>('plans.get', { id: plan.id })).status).toBe('waiting');
    const vic = await rig.vigil.rpc<{ token: string }>('people.add', { name: 'vic', role: 'viewer' });

    const page = rig.browser.page;
    const ui = new ConsolePage(page);
    await ui.open(`${rig.vigil.base}/#token=${vic.token}`);
    await ui.goto('Alerts');
    const card = page.getByTestId('alert-card').filter({ hasText: 'db primary disk 95%' });
    const ack = card.getByRole('button', { name: 'Acknowledge' });
    const silence = card.getByRole('button', { name: 'Silence group…' });
    const viewerAck = 'vic is a viewer; alerts.ack needs the responder role or higher';
    await expect.poll(() => ack.getAttribute('title'), { timeout: 10_000 }).toBe(viewerAck);
    expect(await ack.isDisabled()).toBe(true);
    expect(await silence.isDisabled()).toBe(true);
    expect(await silence.getAttribute('title')).toBe('vic is a viewer; silences.create needs the responder role or higher');
    // The reason is on the page too, not only in a tooltip.
    expect(await page.getByRole('note').first().textContent()).toBe(`${viewerAck}.`);
    await screenshot(page, 'viewer-alerts');

    await ui.goto('Approvals');
    const approve = page.getByTestId('plan-prompt').getByRole('button', { name: 'Approve step' });
    await expect
      .poll(() => approve.getAttribute('title'), { timeout: 10_000 })
      .toBe('vic is a viewer; plans.decide needs the approver role or higher');
    expect(await approve.isDisabled()).toBe(true);
    expect(await page.getByTestId('plan-prompt').getByRole('button', { name: 'Reject' }).isDisabled()).toBe(true);
    await screenshot(page, 'viewer-approvals');

    // An admin makes vic a responder: the open console follows at once (the change is audited and pushed).
    await rig.vigil.rpc('people.update', { name: 'vic', role: 'responder' });
    await expect
      .poll(() => approve.getAttribute('title'), { timeout: 10_000 })
      .toBe('vic is a responder; plans.decide needs the approver role or higher');
    expect(await approve.isDisabled()).toBe(true);
    await ui.goto('Alerts');
    await expect.poll(() => ack.isEnabled(), { timeout: 10_000 }).toBe(true);
    expect(await ack.getAttribute('title')).toBeNull();
    expect(await page.getByRole('note').count()).toBe(0);
    await ack.click();
    await expect.poll(() => card.textContent(), { timeout: 10_000 }).toContain('acknowledged');
    const fp = (await rig.vigil.rpc<{ fingerprint: string }>('events.get', { id: id! })).fingerprint;
    expect(await rig.vigil.rpc('alerts.ackInfo', { fingerprint: fp })).toMatchObject({ acknowledged: true, ack: { by: 'vic' } });
  });
});
