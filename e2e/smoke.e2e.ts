import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { SmokePage } from './pages/panels';
import { consoleRig, hookConfig } from './pages/setup';

const rig = consoleRig((u) => hookConfig(u, ['smoke: { summaryChannels: [ops-hook] }']));

describe('Smoke page against vigil serve', () => {
  it('R-UI: run now, history and distribution, NDJSON export with progress, send summary, clear only after confirming', async () => {
    const ui = new ConsolePage(rig.browser.page);
    const s = new SmokePage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await ui.goto('Smoke');
    for (let i = 0; i < 3; i++) {
      await s.button('Run checks now').click();
      await expect.poll(() => s.button('Run checks now').isEnabled()).toBe(true);
    }
    const history = await rig.vigil.rpc<{ rows: { id: number }[] }>('smoke.history', { limit: 500 });
    expect(history.rows.length).toBeGreaterThanOrEqual(18);
    await expect.poll(() => s.table('Smoke history').locator('tbody tr').count()).toBe(Math.min(50, history.rows.length));
    await expect.poll(() => s.distribution.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);

    // Export: the stream is counted as it arrives and saved as a download identical to the API's export.
    const [download] = await Promise.all([rig.browser.page.waitForEvent('download'), s.button('Export NDJSON').click()]);
    const file = await download.path();
    const saved = readFileSync(file!, 'utf8');
    const api = await (await rig.vigil.api('/api/v1/smoke/history.ndjson')).text();
    expect(saved).toBe(api);
    const lines = saved.split('\n').filter(Boolean).length;
    await expect
      .poll(() => s.progress.textContent())
      .toBe(` Saved ${lines.toLocaleString()} lines, ${Buffer.byteLength(saved).toLocaleString()} bytes`);

    await s.button('Send summary now').click();
    await expect.poll(() => s.status.filter({ hasText: 'sent to ops-hook' }).count()).toBe(1);
    await expect.poll(() => rig.hook.shown.some((d) => /smoke/i.test(d.body.message.title))).toBe(true);
    await screenshot(rig.browser.page, 'smoke');

    // Clear asks first; Cancel keeps everything.
    await s.button('Clear history…').click();
    expect(await s.dialog.textContent()).toContain('Clear smoke history?');
    await screenshot(rig.browser.page, 'smoke-clear-confirm');
    await s.dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await rig.vigil.rpc<{ rows: unknown[] }>('smoke.history', {})).rows.length).toBeGreaterThan(0);
    await s.button('Clear history…').click();
    await s.dialog.getByRole('button', { name: 'Clear history' }).click();
    await expect.poll(() => s.status.filter({ hasText: /Cleared \d+ row/ }).count()).toBe(1);
    expect((await rig.vigil.rpc<{ rows: unknown[] }>('smoke.history', {})).rows).toEqual([]);
    await expect.poll(() => s.panel('smoke-history').textContent()).toContain('No history.');
  });
});
