import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { SettingsPage } from './pages/settings';
import { consoleRig, drained, postEvents } from './pages/setup';

const HMAC = 'whsec-7f3a9c0e5b1d4e82a6c9';
// The receiver checks X-Vigil-Signature with the value the person will type into Settings.
const rig = consoleRig(
  (hookUrl) =>
    [
      `channels: [ { name: ops-hook, type: webhook, url: "${hookUrl}", hmacSecret: { secret: hook-hmac } } ]`,
      'routes: [ { match: {}, channels: [ops-hook] } ]',
      'llm: { provider: openai, baseUrl: "http://127.0.0.1:9/v1", models: [gpt-4o-mini], apiKey: { secret: llm-key } }',
      'metrics: { token: { secret: metrics-token } }',
      'smoke: { enabled: false }',
    ].join('\n'),
  { hookSecret: HMAC, env: { VIGIL_SECRET_METRICS_TOKEN: 'scrape-token-from-env-42' } },
);

describe('Settings: secrets entered, never shown back (vigil serve + Chromium)', () => {
  it('R-UI: a secret typed into Settings is stored in a 0600 file, marked set, used by its channel, and appears nowhere in the page or the API', async () => {
    const ui = new ConsolePage(rig.browser.page);
    const settings = new SettingsPage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await ui.goto('Settings');

    // Before: the config's secrets are listed with where they are used; the env one cannot be edited here.
    await expect.poll(() => settings.secretState('hook-hmac').textContent()).toBe('not set');
    expect(await settings.secretRow('hook-hmac').textContent()).toContain('channels[ops-hook].hmacSecret');
    expect(await settings.secretState('metrics-token').textContent()).toBe('set environment');
    expect(await settings.secretRow('metrics-token').textContent()).toContain('change VIGIL_SECRET_METRICS_TOKEN where Vigil runs');
    expect(await settings.secretInput('metrics-token').count()).toBe(0);
    // The configuration block fills in after its own call answers (CI at 546f257 read the heading alone under load).
    await expect.poll(() => settings.config.textContent()).toContain('hmacSecret: secret hook-hmac');
    expect(await settings.page.getByTestId('settings-llm').textContent()).toMatch(/openai.*gpt-4o-mini.*llm-key/);

    // Without the secret a signed channel holds its messages rather than sending unsigned.
    const before = await postEvents(rig.vigil, [
      { source: 'app', severity: 'critical', summary: 'disk full on db-1', labels: { alertname: 'DiskFull' } },
    ]);
    await drained(rig.vigil, before);

    await settings.enterSecret('hook-hmac', HMAC);
    await expect.poll(() => settings.secretState('hook-hmac').textContent()).toBe('set secrets.json (0600)');
    expect(await settings.secretRow('hook-hmac').getByRole('status').textContent()).toBe('saved');
    expect(await settings.secretInput('hook-hmac').inputValue()).toBe('');
    expect(await settings.everythingShown()).not.toContain(HMAC);
    await screenshot(rig.browser.page, 'settings-secrets');

    // On disk: secrets.json, mode 0600, holding the value.
    const file = join(rig.vigil.dataDir, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'hook-hmac': HMAC });

    // The channel now signs with it: the receiver verifies the held message once it is retried, and a new one.
    await rig.vigil.rpc('outbox.retryNow', { channel: 'ops-hook' });
    const after = await postEvents(rig.vigil, [
      { source: 'app', severity: 'warning', summary: 'queue slow', labels: { alertname: 'QueueSlow' } },
    ]);
    await drained(rig.vigil, after);
    const verified = () =>
      rig.hook.delivered
        .filter((d) => d.verified === true)
        .map((d) => `${d.body.message.title} ${d.body.message.body}`)
        .join(' | ');
    await expect.poll(verified, { timeout: 15_000 }).toContain('queue slow');
    await expect.poll(verified, { timeout: 15_000 }).toContain('disk full on db-1');
    expect(rig.hook.requests.every((d) => d.verified === true)).toBe(true);

    // The API answers with names and states only; the audit chain names the secret, not the value.
    const responses = [
      await rig.vigil.api('/api/rpc/secrets.list', { method: 'POST', body: '{}' }),
      await rig.vigil.api('/api/rpc/settings.get', { method: 'POST', body: '{}' }),
      await rig.vigil.api('/api/rpc/audit.list', { method: 'POST', body: '{}' }),
    ];
    const texts = await Promise.all(responses.map((r) => r.text()));
    for (const t of texts) {
      expect(t).not.toContain(HMAC);
      expect(t).not.toContain('scrape-token-from-env-42');
    }
    expect(texts[2]).toContain('secret:hook-hmac');

    // After a reload the page still says "set" and still has no value to show.
    await rig.browser.page.reload();
    await ui.goto('Settings');
    await expect.poll(() => settings.secretState('hook-hmac').textContent()).toBe('set secrets.json (0600)');
    expect(await settings.everythingShown()).not.toContain(HMAC);
  });

  it('R-UI: an environment secret cannot be overwritten through the API either', async () => {
    const res = await rig.vigil.api('/api/rpc/secrets.set', {
      method: 'POST',
      body: JSON.stringify({ name: 'metrics-token', value: 'attempted-override-1' }),
    });
    const text = await res.text();
    expect(text).toContain('VIGIL_SECRET_METRICS_TOKEN');
    expect(text).not.toContain('attempted-override-1');
    expect(JSON.parse(readFileSync(join(rig.vigil.dataDir, 'secrets.json'), 'utf8'))).toEqual({ 'hook-hmac': HMAC });
  });
});
