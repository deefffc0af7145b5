import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { consoleRig, postEvents } from './pages/setup';

/** Notifications through the built `vigil serve`: desktop channel in the page, signed webhook, outage and replay. */
const rig = consoleRig(
  (hookUrl) =>
    [
      'channels:',
      '  - { name: desktop, type: desktop }',
      // concurrency 1: the replay below keeps the queue's order across alerts (R-NOTIFY-11).
      `  - { name: ops-hook, type: webhook, url: "${hookUrl}", hmacSecret: { secret: hook-hmac }, concurrency: 1 }`,
      'routes:',
      '  - { match: {}, channels: [desktop, ops-hook] }',
      'outbox: { digestThreshold: 3, maxBackoff: 2s }',
    ].join('\n'),
  { hookSecret: 'e2e-hook-secret', env: { VIGIL_SECRET_HOOK_HMAC: 'e2e-hook-secret' } },
);

interface ChannelRow {
  name: string;
  state: string;
  backlog: number;
}
const channels = async () => (await rig.vigil.rpc<{ channels: ChannelRow[] }>('outbox.channels', {})).channels;
const hookChannel = async () => (await channels()).find((c) => c.name === 'ops-hook');

describe('notifications through vigil serve', () => {
  it('R-NOTIFY-1: headless, the desktop channel shows the notification in the page; the webhook gets it signed', async () => {
    const ui = new ConsolePage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await postEvents(rig.vigil, [
      { source: 'app', severity: 'critical', summary: 'checkout latency high', labels: { service: 'checkout' } },
    ]);
    const notices = rig.browser.page.getByRole('complementary', { name: 'Notifications' });
    await expect.poll(() => notices.textContent(), { timeout: 10_000 }).toContain('checkout latency high');
    await expect.poll(() => rig.hook.shown.length, { timeout: 10_000 }).toBe(1);
    expect(rig.hook.shown[0]!.verified).toBe(true);
    expect(rig.hook.shown[0]!.body.message.title).toContain('checkout latency high');
    await screenshot(rig.browser.page, 'notify-in-page');
  });

  it('R-NOTIFY-2/3: the webhook goes down and comes back — every held message arrives on its own, in order, each key shown once; the outbox API and /metrics show it', async () => {
    await rig.hook.goDown();
    const summaries = ['db primary down', 'db replica lag', 'api 5xx burst', 'queue stalled', 'cache evictions'];
    // Distinct alertnames: each is its own group, so each is notified at once (not batched by the router).
    await postEvents(
      rig.vigil,
      summaries.map((summary) => ({
        source: 'app',
        severity: 'critical' as const,
        summary,
        labels: { alertname: summary.replace(/ /g, '_'), service: summary.split(' ')[0]! },
      })),
    );
    await expect.poll(() => hookChannel().then((c) => c?.state), { timeout: 15_000 }).toBe('failing');
    expect((await hookChannel())!.backlog).toBeGreaterThanOrEqual(1);

    await rig.hook.comeBack();
    await rig.vigil.rpc('outbox.retryNow', { channel: 'ops-hook' });
    await expect.poll(() => hookChannel().then((c) => c?.backlog), { timeout: 15_000 }).toBe(0);

    // A webhook is a machine (a ticket system, a chat bridge): no digest, each outage alert whole, in the order it happened.
    expect(rig.hook.shown.filter((d) => d.body.message.kind === 'digest')).toEqual([]);
    const titles = rig.hook.shown.map((d) => d.body.message.title);
    expect(summaries.map((s) => titles.findIndex((t) => t.includes(s)))).toEqual(summaries.map((_, i) => i + 1));
    // At least once, shown once: no idempotency key was accepted twice.
    expect(new Set(rig.hook.delivered.map((d) => d.key)).size).toBe(rig.hook.delivered.length);
    expect(rig.hook.shown.every((d) => d.verified)).toBe(true);

    const metrics = await (await fetch(`${rig.vigil.base}/metrics`)).text();
    expect(metrics).toMatch(/vigil_outbox_pending\{channel="ops-hook"\} 0/);
    expect(metrics).toMatch(/vigil_outbox_replayed_total\{channel="ops-hook"\} [1-9]/);
    expect(metrics).toMatch(/vigil_notify_sent_total\{channel="ops-hook",result="sent"\} [2-9]/);
  });
});
