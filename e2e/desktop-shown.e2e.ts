import { describe, expect, it } from 'vitest';
import { openBrowser, screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { postEvents, serveRig } from './pages/setup';

/**
 * Headless truth (issue 15 item 5): the desktop channel of `vigil serve` counts a message delivered only when a
 * connected console reported it shown. With nobody connected it stays pending and the route's escalation applies.
 */
const rig = serveRig((pagerUrl) =>
  [
    'channels:',
    '  - { name: desktop, type: desktop }',
    `  - { name: pager, type: webhook, url: "${pagerUrl}" }`,
    'routes:',
    '  - { match: { severity: critical }, channels: [desktop], escalate: [ { after: 3s, channels: [pager] } ] }',
    '  - { match: { severity: warning }, channels: [desktop] }',
    'smoke: { enabled: false }',
  ].join('\n'),
);

interface Item {
  id: number;
  channel: string;
  state: string;
  title: string;
  attempts: number;
  lastError: string | null;
}
const desktopRows = async () => (await rig.vigil.rpc<{ items: Item[] }>('outbox.list', { channel: 'desktop' })).items;
const row = async (summary: string) => (await desktopRows()).find((i) => i.title.includes(summary));

describe('headless desktop channel: delivered only when a console showed it', () => {
  it('R-SETUP-6: with no console connected a critical alert stays pending (never "sent" to nobody) and escalates to the pager; a console that opens shows it and only then is it sent', async () => {
    await postEvents(rig.vigil, [
      { source: 'app', severity: 'critical', summary: 'payments queue stuck', labels: { alertname: 'QueueStuck' } },
    ]);
    await expect
      .poll(async () => (await row('payments queue stuck'))?.lastError, { timeout: 15_000 })
      .toBe('no console is connected to show it');
    expect((await row('payments queue stuck'))!.state).toBe('pending');

    // The route's next step applies: nobody acknowledged, so the escalation reaches the pager.
    await expect.poll(() => rig.hook.shown.length, { timeout: 20_000 }).toBe(1);
    expect(rig.hook.shown[0]!.body.message.title).toBe('ESCALATED (step 1): CRITICAL: payments queue stuck');
    expect((await row('payments queue stuck'))!.state).toBe('pending');
    const channels = await rig.vigil.rpc<{ channels: Array<{ name: string; lastError: string | null }> }>('outbox.channels', {});
    expect(channels.channels.find((c) => c.name === 'desktop')!.lastError).toBe('no console is connected to show it');

    // A console opens: it is shown in the page at once (not after the 60 s retry), and only now is it delivered.
    const browser = await openBrowser();
    try {
      const ui = new ConsolePage(browser.page);
      await ui.open(rig.vigil.url);
      const notices = browser.page.getByRole('complementary', { name: 'Notifications' });
      await expect.poll(() => notices.textContent(), { timeout: 15_000 }).toContain('payments queue stuck');
      await expect.poll(async () => (await row('payments queue stuck'))!.state, { timeout: 15_000 }).toBe('sent');
      await screenshot(browser.page, 'desktop-shown-after-connect');

      // With the console open, a new alert is shown and delivered in seconds, once.
      await postEvents(rig.vigil, [
        { source: 'app', severity: 'critical', summary: 'api error rate high', labels: { alertname: 'ApiErrors' } },
      ]);
      await expect.poll(async () => (await row('api error rate high'))?.state, { timeout: 15_000 }).toBe('sent');
      expect(await notices.getByText('api error rate high').count()).toBe(1);
      expect((await row('api error rate high'))!.attempts).toBe(0); // no failed attempt before it
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('R-SETUP-6: a stream that never shows anything (not a console) does not make a message delivered', async () => {
    // A raw SSE client: connected, but it never reports a notice shown.
    const abort = new AbortController();
    const stream = await fetch(`${rig.vigil.base}/api/stream`, {
      headers: { authorization: `Bearer ${rig.vigil.token}` },
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    try {
      await postEvents(rig.vigil, [
        { source: 'app', severity: 'critical', summary: 'disk full on db1', labels: { alertname: 'DiskFull' } },
      ]);
      await expect
        .poll(async () => (await row('disk full on db1'))?.lastError, { timeout: 20_000 })
        .toBe('no connected console showed it within 8 s');
      expect((await row('disk full on db1'))!.state).toBe('pending');
    } finally {
      abort.abort();
    }
  }, 60_000);

  it('R-SETUP-6: a notice no connected person wants (their severity settings) is dropped with the reason, and does not hold the critical behind it', async () => {
    await rig.vigil.rpc('me.notify.set', { severities: ['critical'] });
    const browser = await openBrowser();
    try {
      await new ConsolePage(browser.page).open(rig.vigil.url);
      const notices = browser.page.getByRole('complementary', { name: 'Notifications' });
      await postEvents(rig.vigil, [
        { source: 'app', severity: 'warning', summary: 'cache hit rate low', labels: { alertname: 'CacheCold' } },
      ]);
      await expect.poll(async () => (await row('cache hit rate low'))?.state, { timeout: 15_000 }).toBe('dropped');
      expect((await row('cache hit rate low'))!.lastError).toBe(
        'no connected person wants warning notices (their settings, or their own pause)',
      );
      // The critical right behind it is shown and delivered at once, not after a retry of the warning.
      await postEvents(rig.vigil, [{ source: 'app', severity: 'critical', summary: 'primary db down', labels: { alertname: 'DbDown' } }]);
      await expect.poll(async () => (await row('primary db down'))?.state, { timeout: 15_000 }).toBe('sent');
      expect(await notices.getByText('primary db down').count()).toBe(1);
      expect(await notices.getByText('cache hit rate low').count()).toBe(0);
    } finally {
      await browser.close();
      await rig.vigil.rpc('me.notify.set', { severities: ['critical', 'warning', 'info'] });
    }
  }, 60_000);
});
