import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { screenshot } from './fixtures/browser';
import { prometheusAvailable, startPrometheus, type PrometheusHandle } from './fixtures/prometheus';
import { runCli } from './fixtures/serve';
import { ConsolePage } from './pages/console';
import { consoleRig } from './pages/setup';

/** The Overview's first-run checklist against a `vigil serve` with no config at all (the embedded default). */
const rig = consoleRig(null);
let prom: PrometheusHandle | null = null;

beforeAll(() => rig.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.vigil.base }));
afterAll(() => prom?.stop());

describe('first run: the Overview checklist', () => {
  it('R-SETUP-7: with no config the checklist shows four steps with this server’s snippets; each ticks off from real state (test message delivered, host added, real Prometheus sending with the pasted snippet) and the list disappears', async () => {
    const page = rig.browser.page;
    await new ConsolePage(page).open(rig.vigil.url);
    const list = page.getByTestId('first-run');
    const step = (name: string) => list.getByRole('listitem', { name: new RegExp(`^${name}`) });
    await expect.poll(() => list.getByRole('listitem').count(), { timeout: 15_000 }).toBe(4);
    for (const name of ['Add a notification channel', 'Add a host', 'Point Alertmanager or Prometheus', 'Send a test alert'])
      expect(await step(name).getAttribute('aria-label')).toMatch(/: to do$/);
    expect(await step('Add a notification channel').textContent()).toContain('desktop configured; no test message delivered yet');

    // The snippets name this server and carry a Bearer credentials line; both are valid YAML of the right shape.
    const am = (await list.getByLabel('Alertmanager receiver', { exact: true }).textContent())!;
    const pr = (await list.getByLabel('Prometheus alerting', { exact: true }).textContent())!;
    const host = rig.vigil.base.replace('http://', '');
    expect(parse(am)).toMatchObject({
      route: { receiver: 'vigil' },
      receivers: [
        {
          name: 'vigil',
          webhook_configs: [
            {
              url: `${rig.vigil.base}/api/v1/alerts/alertmanager`,
              http_config: { authorization: { type: 'Bearer', credentials: 'PASTE_INTAKE_TOKEN' } },
            },
          ],
        },
      ],
    });
    expect(parse(pr)).toMatchObject({
      alerting: {
        alertmanagers: [{ scheme: 'http', static_configs: [{ targets: [host] }], authorization: { credentials: 'PASTE_INTAKE_TOKEN' } }],
      },
    });
    await list.getByRole('button', { name: 'Copy Prometheus alerting' }).click();
    await expect.poll(() => list.getByRole('status', { name: 'Prometheus alerting copied' }).textContent()).toBe('Copied');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(pr);
    await screenshot(page, 'first-run-checklist');

    // 1. A test message delivered on the desktop channel (this page shows it and reports it shown).
    const test = await rig.vigil.rpc<{ delivered: boolean }>('channels.test', { channel: 'desktop' });
    expect(test.delivered).toBe(true);
    await expect.poll(() => step('Add a notification channel').getAttribute('aria-label'), { timeout: 15_000 }).toMatch(/: done$/);
    expect(await step('Add a notification channel').textContent()).toContain('test message delivered on desktop');

    // 2. A host in vigil.yaml, put in force by a reload.
    writeFileSync(join(rig.vigil.dataDir, 'vigil.yaml'), 'hosts:\n  - { name: web-1, address: 127.0.0.1, user: vigiltest }\n');
    expect((await rig.vigil.api('/-/reload', { method: 'POST', body: '{}' })).status).toBe(200);
    await expect.poll(() => step('Add a host').getAttribute('aria-label'), { timeout: 15_000 }).toMatch(/: done$/);
    expect(await step('Add a host').textContent()).toContain('1 host(s) configured');
    expect(await step('Send a test alert').getAttribute('aria-label')).toMatch(/: to do$/);
    await screenshot(page, 'first-run-half-done');

    // 3 and 4. A real Prometheus configured with the copied snippet and an intake token from the CLI.
    if (!prometheusAvailable()) throw new Error('prometheus is not installed (scripts/install-test-deps.sh)');
    const minted = await runCli(['intake-token', 'add', 'prometheus', '--data-dir', rig.vigil.dataDir]);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim().split('\n').at(-1)!;
    prom = await startPrometheus({
      targets: [host],
      metricsPath: '/health',
      rules: ['groups:', '  - name: first-run', '    rules:', '      - alert: FirstRunTest', '        expr: vector(1)', ''].join('\n'),
      alerting: pr.replace('PASTE_INTAKE_TOKEN', token),
    });
    // Everything done: the checklist goes away by itself.
    await expect.poll(() => list.count(), { timeout: 45_000 }).toBe(0);
    const checklist = await rig.vigil.rpc<{ done: boolean; items: Array<{ id: string; done: boolean }> }>('setup.checklist', {});
    expect(checklist).toMatchObject({ done: true, items: [{ done: true }, { done: true }, { done: true }, { done: true }] });
    await screenshot(page, 'first-run-done');
  }, 120_000);
});
