import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, screenshot } from './fixtures/browser';
import { removeDir, startVigil, type Served } from './fixtures/serve';
import { startWebhookReceiver, type WebhookReceiver } from './fixtures/webhook-receiver';
import { ConsolePage } from './pages/console';
import { postEvents, writeConfig } from './pages/setup';

/** Notifications through the built `vigil serve`: desktop channel in the page, signed webhook, outage and replay. */
let vigil: Served;
let hook: WebhookReceiver;
let browser: Awaited<ReturnType<typeof openBrowser>>;

interface ChannelRow {
  name: string;
  state: string;
  backlog: number;
}
const channels = async () => (await vigil.rpc<{ channels: ChannelRow[] }>('outbox.channels', {})).channels;
const hookChannel = async () => (await channels()).find((c) => c.name === 'ops-hook');

beforeAll(async () => {
  hook = await startWebhookReceiver({ secret: 'e2e-hook-secret' });
  const config = writeConfig(
    [
      'channels:',
      '  - { name: desktop, type: desktop }',
      `  - { name: ops-hook, type: webhook, url: "${hook.url}", hmacSecret: { secret: hook-hmac } }`,
      'routes:',
      '  - { match: {}, channels: [desktop, ops-hook] }',
      'outbox: { digestThreshold: 3, maxBackoff: 2s }',
    ].join('\n'),
  );
  vigil = await startVigil({ config, env: { VIGIL_SECRET_HOOK_HMAC: 'e2e-hook-secret' } });
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await vigil?.stop();
  await hook?.close();
  if (vigil) removeDir(vigil.dataDir);
});

describe('notifications through vigil serve', () => {
  it('R-NOTIFY-1: headless, the desktop channel shows the notification in the page; the webhook gets it signed', async () => {
    const ui = new ConsolePage(browser.page);
    await ui.open(vigil.url);
    await postEvents(vigil, [{ source: 'app', severity: 'critical', summary: 'checkout latency high', labels: { service: 'checkout' } }]);
    const notices = browser.page.getByRole('complementary', { name: 'Notifications' });
    await expect.poll(() => notices.textContent(), { timeout: 10_000 }).toContain('checkout latency high');
    await expect.poll(() => hook.shown.length, { timeout: 10_000 }).toBe(1);
    expect(hook.shown[0]!.verified).toBe(true);
    expect(hook.shown[0]!.body.message.title).toContain('checkout latency high');
    await screenshot(browser.page, 'notify-in-page');
  });

  it('R-NOTIFY-2/3: the webhook goes down and comes back — every held message arrives on its own, in order, each key shown once; the outbox API and /metrics show it', async () => {
    await hook.goDown();
    const summaries = ['db primary down', 'db replica lag', 'api 5xx burst', 'queue stalled', 'cache evictions'];
    // Distinct alertnames: each is its own group, so each is notified at once (not batched by the router).
    await postEvents(
      vigil,
      summaries.map((summary) => ({
        source: 'app',
        severity: 'critical' as const,
        summary,
        labels: { alertname: summary.replace(/ /g, '_'), service: summary.split(' ')[0]! },
      })),
    );
    await expect.poll(() => hookChannel().then((c) => c?.state), { timeout: 15_000 }).toBe('failing');
    expect((await hookChannel())!.backlog).toBeGreaterThanOrEqual(1);

    await hook.comeBack();
    await vigil.rpc('outbox.retryNow', { channel: 'ops-hook' });
    await expect.poll(() => hookChannel().then((c) => c?.backlog), { timeout: 15_000 }).toBe(0);

    // A webhook is a machine (a ticket system, a chat bridge): no digest, each outage alert whole, in the order it happened.
    expect(hook.shown.filter((d) => d.body.message.kind === 'digest')).toEqual([]);
    const titles = hook.shown.map((d) => d.body.message.title);
    expect(summaries.map((s) => titles.findIndex((t) => t.includes(s)))).toEqual(summaries.map((_, i) => i + 1));
    // At least once, shown once: no idempotency key was accepted twice.
    expect(new Set(hook.delivered.map((d) => d.key)).size).toBe(hook.delivered.length);
    expect(hook.shown.every((d) => d.verified)).toBe(true);

    const metrics = await (await fetch(`${vigil.base}/metrics`)).text();
    expect(metrics).toMatch(/vigil_outbox_pending\{channel="ops-hook"\} 0/);
    expect(metrics).toMatch(/vigil_outbox_replayed_total\{channel="ops-hook"\} [1-9]/);
    expect(metrics).toMatch(/vigil_notify_sent_total\{channel="ops-hook",result="sent"\} [2-9]/);
  });
});
