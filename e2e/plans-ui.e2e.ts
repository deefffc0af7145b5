import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, screenshot } from './fixtures/browser';
import { removeDir, startVigil, type Served } from './fixtures/serve';
import { ConsolePage } from './pages/console';
import { writeConfig } from './pages/setup';

/** ElephantAlpha HITL prompts on the Approvals page of the console (built `vigil serve`, Chromium). */
let vigil: Served;
let browser: Awaited<ReturnType<typeof openBrowser>>;

interface PlanView {
  id: string;
  status: string;
  approvals: Array<{ status: string; decidedBy: string | null; decidedVia: string | null }>;
}

beforeAll(async () => {
  vigil = await startVigil({
    config: writeConfig('channels:\n  - { name: desktop, type: desktop }\nroutes:\n  - { channels: [desktop] }\n'),
  });
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await vigil?.stop();
  if (vigil) removeDir(vigil.dataDir);
});

describe('plan prompts in the console', () => {
  it('R-AGENT-4, R-PEOPLE-1: a wait_for_approval step shows on the Approvals page; the signed-in person approves it there without typing a name, and the plan moves on', async () => {
    const plan = await vigil.rpc<PlanView>('plans.create', {
      title: 'Clean logs on web-1',
      createdBy: 'e2e',
      steps: [
        { type: 'wait_for_approval', question: 'Delete rotated logs older than 7 days on web-1?' },
        { type: 'notify', channels: ['desktop'], title: 'logs cleaned' },
      ],
    });
    await expect.poll(async () => (await vigil.rpc<PlanView>('plans.get', { id: plan.id })).status).toBe('waiting');

    const ui = new ConsolePage(browser.page);
    await ui.open(vigil.url);
    await ui.goto('Approvals');
    const prompt = browser.page.getByTestId('plan-prompt');
    await expect.poll(() => prompt.textContent(), { timeout: 10_000 }).toContain('Delete rotated logs older than 7 days on web-1?');
    expect(await prompt.textContent()).toContain('Clean logs on web-1');
    const approve = prompt.getByRole('button', { name: 'Approve step' });
    // R-PEOPLE-1: signed in, the page says whose decision it records and asks no name (a typed name
    // was ignored by the core, and the buttons stayed disabled until one was typed).
    expect(await browser.page.getByLabel('Your name').count()).toBe(0);
    expect(await browser.page.getByTestId('decider').textContent()).toBe('Decisions are recorded as admin.');
    expect(await approve.isEnabled()).toBe(true);
    await approve.click();
    await expect.poll(async () => (await vigil.rpc<PlanView>('plans.get', { id: plan.id })).status, { timeout: 10_000 }).toBe('succeeded');
    const done = await vigil.rpc<PlanView>('plans.get', { id: plan.id });
    expect(done.approvals[0]).toMatchObject({ status: 'approved', decidedBy: 'admin', decidedVia: 'console' });
    await expect.poll(() => browser.page.getByTestId('plan-prompt').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => browser.page.getByTestId('plans').textContent()).toContain('succeeded');
    await screenshot(browser.page, 'plan-prompts');
  });

  it('R-AGENT-5: Settings shows the AI agents as configured (here: NemoTron off, keyword memory)', async () => {
    const ui = new ConsolePage(browser.page);
    await ui.goto('Settings');
    const panel = browser.page.getByTestId('settings-agents');
    await expect.poll(() => panel.textContent(), { timeout: 10_000 }).toContain('off (no llm section)');
    expect(await panel.textContent()).toContain('no embedding provider: memory search uses keywords');
  });
});
