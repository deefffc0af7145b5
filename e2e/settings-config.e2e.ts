import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { consoleRig } from './pages/setup';

// A first run: a data dir and no vigil.yaml at all (the embedded default runs).
const rig = consoleRig(null);

describe('Settings: configure in the console (vigil serve + Chromium)', () => {
  it('R-SETUP-5, R-SETUP-3: a webhook channel added in Settings is validated, shown as a diff, written to vigil.yaml, reloaded, and receives its test message', async () => {
    const ui = new ConsolePage(rig.browser.page);
    const page = rig.browser.page;
    await ui.open(rig.vigil.url);
    await ui.goto('Settings');
    const editor = page.getByTestId('config-editor');
    await editor.getByRole('button', { name: /^Channels \(1\)$/ }).waitFor();
    await editor.getByRole('button', { name: '+ Add channel' }).click();
    await editor.getByLabel('Channels 2 type').selectOption('webhook');
    await editor.getByLabel('Channels 2 name').fill('ops-hook');
    await editor.getByLabel('Channels 2 url').fill('not a url');

    // The core's schema refuses it, naming the field; nothing is written.
    await editor.getByRole('button', { name: 'Review changes…' }).click();
    await expect.poll(() => editor.getByRole('alert', { name: 'Not valid' }).textContent()).toContain('channels.1.url');
    expect(await editor.getByRole('button', { name: 'Save and reload' }).isDisabled()).toBe(true);
    expect(existsSync(join(rig.vigil.dataDir, 'vigil.yaml'))).toBe(false);
    await screenshot(page, 'settings-config-invalid');

    await editor.getByLabel('Channels 2 url').fill(rig.hook.url);
    await editor.getByRole('button', { name: 'Review changes…' }).click();
    const diff = editor.getByLabel('Changes to be written');
    await expect.poll(() => diff.textContent()).toContain(`+    name: ops-hook`);
    await screenshot(page, 'settings-config-diff');
    await editor.getByRole('button', { name: 'Save and reload' }).click();

    // Saved and in force: the reload is shown, the file holds the channel, the test button sends through the outbox.
    await expect.poll(() => editor.getByTestId('last-reload').textContent(), { timeout: 15_000 }).toMatch(/via save: in force/);
    expect(readFileSync(join(rig.vigil.dataDir, 'vigil.yaml'), 'utf8')).toContain(rig.hook.url);
    await editor.getByText('ops-hook (webhook)').click();
    await editor.getByRole('button', { name: 'Send test notification' }).last().click();
    await expect.poll(() => editor.getByTestId('test-result-ops-hook').textContent(), { timeout: 20_000 }).toBe('delivered');
    expect(rig.hook.shown.map((d) => d.body.message.title)).toEqual(['Vigil test notification for ops-hook']);
    await screenshot(page, 'settings-config-tested');

    // The running core agrees (not only the page).
    const channels = await rig.vigil.rpc<{ channels: Array<{ name: string }> }>('outbox.channels', {});
    expect(channels.channels.map((c) => c.name)).toContain('ops-hook');
  });

  it("R-SETUP-3: a channel whose endpoint refuses shows the channel's exact error", async () => {
    const r = await rig.vigil.rpc<{ delivered: boolean; error: string }>('channels.test', { channel: 'ops-hook' });
    expect(r.delivered).toBe(true);
    rig.hook.answer(() => ({ status: 400, body: 'unknown route key' }));
    const page = rig.browser.page;
    const editor = page.getByTestId('config-editor');
    await editor.getByRole('button', { name: 'Send test notification' }).last().click();
    await expect.poll(() => editor.getByTestId('test-result-ops-hook').textContent(), { timeout: 20_000 }).toMatch(/failed.*400/);
    await screenshot(page, 'settings-config-test-failed');
    rig.hook.answer(null);
  });
});
