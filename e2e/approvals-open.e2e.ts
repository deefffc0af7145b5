import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { consoleRig } from './pages/setup';

const rig = consoleRig();

describe('opening the console on one approval (what a tray menu item does)', () => {
  it('R-UI: #/approvals/<id> shows the Approvals page with that pending approval in view and focused', async () => {
    const mk = (title: string) =>
      rig.vigil.rpc<{ id: string }>('plans.create', {
        title,
        createdBy: 'e2e',
        steps: [{ type: 'wait_for_approval', question: `${title}?` }],
      });
    const plans = [await mk('Rotate logs on web-1'), await mk('Drain queue on mq-2'), await mk('Restart cache on web-3')];
    const pending = async () => (await rig.vigil.rpc<{ items: Array<{ id: string; planId: string }> }>('plans.approvals', {})).items;
    await expect.poll(async () => (await pending()).length, { timeout: 10_000 }).toBe(3);
    const target = (await pending()).find((a) => a.planId === plans[0]!.id)!;

    const page = rig.browser.page;
    await page.setViewportSize({ width: 1360, height: 500 });
    await page.goto(`${rig.vigil.base}/#token=${rig.vigil.token}&/approvals/${target.id}`);
    await page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
    await expect
      .poll(() => page.evaluate('document.activeElement && document.activeElement.id'), { timeout: 5_000 })
      .toBe(`approval-${target.id}`);
    const focused = page.getByRole('article', { name: `Plan prompt ${target.id}` });
    expect(await focused.textContent()).toContain('Rotate logs on web-1?');
    expect(await focused.isVisible()).toBe(true);
    // The oldest prompt is listed last, below the fold of a 500 px window: it was scrolled to.
    const box = (await focused.boundingBox())!;
    expect(box.y).toBeGreaterThan(-2); // scrolled to the top of the view (sub-pixel)
    expect(box.y).toBeLessThan(500);
    await screenshot(page, 'approvals-open-one');
    await page.setViewportSize({ width: 1360, height: 860 });
  });
});
