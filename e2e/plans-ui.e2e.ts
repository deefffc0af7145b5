import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { consoleRig } from './pages/setup';

/** ElephantAlpha HITL prompts on the Approvals page of the console (built `vigil serve`, Chromium). */
const rig = consoleRig(() => 'channels:\n  - { name: desktop, type: desktop }\nroutes:\n  - { channels: [desktop] }\n');

interface PlanView {
  id: string;
  status: string;
  approvals: Array<{ status: string; decidedBy: string | null; decidedVia: string | null }>;
}

describe('plan prompts in the console', () => {
  it('R-AGENT-4, R-PEOPLE-1: a wait_for_approval step shows on the Approvals page; the signed-in person approves it there without typing a name, and the plan moves on', async () => {
    const plan = await rig.vigil.rpc<PlanView>('plans.create', {
      title: 'Clean logs on web-1',
      createdBy: 'e2e',
      steps: [
        { type: 'wait_for_approval', question: 'Delete rotated logs older than 7 days on web-1?' },
        { type: 'notify', channels: ['desktop'], title: 'logs cleaned' },
      ],
    });
    await expect.poll(async () => (await rig.vigil.rpc<PlanView>('plans.get', { id: plan.id })).status).toBe('waiting');

    const ui = new ConsolePage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await ui.goto('Approvals');
    const prompt = rig.browser.page.getByTestId('plan-prompt');
    await expect.poll(() => prompt.textContent(), { timeout: 10_000 }).toContain('Delete rotated logs older than 7 days on web-1?');
    expect(await prompt.textContent()).toContain('Clean logs on web-1');
    const approve = prompt.getByRole('button', { name: 'Approve step' });
    // R-PEOPLE-1: signed in, the page says whose decision it records and asks no name (a typed name
    // was ignored by the core, and the buttons stayed disabled until one was typed).
    expect(await rig.browser.page.getByLabel('Your name').count()).toBe(0);
    expect(await rig.browser.page.getByTestId('decider').textContent()).toBe('Decisions are recorded as admin.');
    expect(await approve.isEnabled()).toBe(true);
    await approve.click();
    await expect
      .poll(async () => (await rig.vigil.rpc<PlanView>('plans.get', { id: plan.id })).status, { timeout: 10_000 })
      .toBe('succeeded');
    const done = await rig.vigil.rpc<PlanView>('plans.get', { id: plan.id });
    expect(done.approvals[0]).toMatchObject({ status: 'approved', decidedBy: 'admin', decidedVia: 'console' });
    await expect.poll(() => rig.browser.page.getByTestId('plan-prompt').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => rig.browser.page.getByTestId('plans').textContent()).toContain('succeeded');
    await screenshot(rig.browser.page, 'plan-prompts');
  });

  it('R-AGENT-5: Settings shows the AI agents as configured (here: NemoTron off, keyword memory)', async () => {
    const ui = new ConsolePage(rig.browser.page);
    await ui.goto('Settings');
    const panel = rig.browser.page.getByTestId('settings-agents');
    await expect.poll(() => panel.textContent(), { timeout: 10_000 }).toContain('off (no llm section)');
    expect(await panel.textContent()).toContain('no embedding provider: memory search uses keywords');
  });
});
