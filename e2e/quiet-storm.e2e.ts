import { describe, expect, it } from 'vitest';
import { openBrowser, screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { postEvents, serveRig } from './pages/setup';

/** Quiet storms in the console (R-NOTIFY-8): an incident is one notification card, updated in place by its follow-ups. */
const rig = serveRig(() =>
  [
    'channels:',
    '  - { name: desktop, type: desktop }',
    'routes:',
    '  - { match: {}, channels: [desktop] }',
    'router: { groupWindow: 2s }',
    'smoke: { enabled: false }',
  ].join('\n'),
);

const cpu = (host: string, status: 'firing' | 'resolved' = 'firing') => ({
  source: 'app',
  severity: 'warning' as const,
  status,
  summary: `HighCPU on ${host}`,
  labels: { alertname: 'HighCPU', instance: host },
});

describe('R-NOTIFY-8: one card per incident in the console', () => {
  it('R-NOTIFY-8: the first alert shows a card at once; hosts joining and the resolution update that same card, while another incident gets its own', async () => {
    const browser = await openBrowser();
    try {
      await new ConsolePage(browser.page).open(rig.vigil.url);
      const notices = browser.page.getByRole('complementary', { name: 'Notifications' });
      const cards = notices.locator('.notice');
      await postEvents(rig.vigil, [cpu('app01')]);
      await expect.poll(() => notices.textContent(), { timeout: 15_000 }).toContain('HighCPU on app01');

      await postEvents(rig.vigil, [cpu('app02'), cpu('app03')]);
      await expect.poll(() => notices.textContent(), { timeout: 15_000 }).toContain('+2 more');
      expect(await cards.count()).toBe(1); // the same card, updated: no second notification for the group

      await postEvents(rig.vigil, [
        { source: 'app', severity: 'critical', summary: 'payments down', labels: { alertname: 'PaymentsDown' } },
      ]);
      await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(2); // another incident: its own card

      await postEvents(
        rig.vigil,
        ['app01', 'app02', 'app03'].map((h) => cpu(h, 'resolved')),
      );
      const cpuCard = cards.filter({ hasText: 'HighCPU' });
      await expect.poll(() => cpuCard.textContent(), { timeout: 15_000 }).toContain('RESOLVED: HighCPU');
      expect(await cards.count()).toBe(2);
      expect(await cpuCard.textContent()).toContain('earlier in this incident'); // what it said before stays readable
      await screenshot(browser.page, 'quiet-storm-one-card');
      // Each version of the card was shown in a console, so each queued message was delivered (none left pending).
      const states = async () =>
        (await rig.vigil.rpc<{ items: Array<{ state: string }> }>('outbox.list', { channel: 'desktop' })).items.map((r) => r.state);
      await expect.poll(async () => (await states()).every((s) => s === 'sent'), { timeout: 15_000 }).toBe(true);
      expect((await states()).length).toBe(4); // first alert, group update, payments, group resolution
    } finally {
      await browser.close();
    }
  }, 90_000);
});
