import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { startSshd, type SshdFixture } from './fixtures/sshd';
import { ConsolePage } from './pages/console';
import { consoleRig } from './pages/setup';

/** Settings' per-item test buttons in Chromium against vigil serve: "Check connection" on the real sshd, "Probe now" on a real target. */
let sshd: SshdFixture;
let target: Server;
let healthy = true;

beforeAll(async () => {
  sshd = await startSshd();
  target = createServer((_req, res) => res.writeHead(healthy ? 200 : 500).end(healthy ? 'ok' : 'broken'));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await sshd?.stop();
  await new Promise((r) => target?.close(r));
});
const rig = consoleRig(() =>
  [
    'hosts:',
    // Not pinned: its key must be confirmed on first use, in the console.
    `  - { name: app2, address: 127.0.0.1, port: ${sshd.port}, user: vigiltest, keyFile: ${sshd.clientKeyPath} }`,
    'probes:',
    `  - { name: web, type: http, url: "http://127.0.0.1:${(target.address() as { port: number }).port}/health", interval: 1h }`,
    'smoke: { enabled: false }',
  ].join('\n'),
);

describe('Settings test buttons (vigil serve + Chromium)', () => {
  it('R-SETUP-10: "Check connection" on a new host shows the fingerprint the real sshd presented, trusts it only on confirmation, then connects and runs uptime', async () => {
    const ui = new ConsolePage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await ui.goto('Settings');
    const editor = rig.browser.page.getByTestId('config-editor');
    await editor.getByRole('button', { name: /^Hosts \(1\)$/ }).click();
    await editor.getByText('app2', { exact: true }).click();
    await editor.getByRole('button', { name: 'Check connection' }).click();
    const firstUse = editor.getByTestId('host-key-app2');
    await expect.poll(() => firstUse.textContent(), { timeout: 20_000 }).toContain(sshd.hostKeyFingerprint);
    expect(await editor.getByTestId('host-result-app2').textContent()).toContain('host_key_unknown');
    await screenshot(rig.browser.page, 'settings-check-host-first-use');
    await editor.getByRole('button', { name: 'Trust this key' }).click();
    await expect
      .poll(() => editor.getByTestId('host-result-app2').textContent(), { timeout: 30_000 })
      .toMatch(/^ok.*uptime: .*load average/);
    const hosts = await rig.vigil.rpc<{ hosts: Array<{ name: string; status: string }> }>('hosts.list', {});
    expect(hosts.hosts.find((h) => h.name === 'app2')!.status).toBe('ok');
    await screenshot(rig.browser.page, 'settings-check-host-ok');
  }, 90_000);

  it('R-SETUP-3: "Probe now" runs the configured probe against its real target and shows its verdict, ok then failing', async () => {
    const editor = rig.browser.page.getByTestId('config-editor');
    await editor.getByRole('button', { name: /^Probes \(1\)$/ }).click();
    await editor.getByText('web (http)', { exact: true }).click();
    await editor.getByRole('button', { name: 'Probe now' }).click();
    await expect.poll(() => editor.getByTestId('probe-result-web').textContent(), { timeout: 20_000 }).toMatch(/^ok/);
    healthy = false;
    await editor.getByRole('button', { name: 'Probe now' }).click();
    await expect.poll(() => editor.getByTestId('probe-result-web').textContent(), { timeout: 20_000 }).toMatch(/^failing.*500/);
    await screenshot(rig.browser.page, 'settings-probe-now');
  }, 60_000);
});
