import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { consoleRig, postEvents } from './pages/setup';

/** Regressions found walking incidents end to end in Chromium as a new on-call engineer would. */
const rig = consoleRig(() =>
  ['channels:', '  - { name: desktop, type: desktop }', 'routes:', '  - { channels: [desktop] }', 'smoke: { enabled: false }'].join('\n'),
);

describe('walking an incident in the console', () => {
  it("R-UI: while desktop notices are up, every alert card's Acknowledge button stays clickable (the notices no longer lie over them)", async () => {
    const ui = new ConsolePage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await postEvents(
      rig.vigil,
      ['ApiDown', 'DbDown', 'QueueStuck', 'CacheCold'].map((alertname) => ({
        source: 'app',
        severity: 'critical' as const,
        summary: `${alertname} on prod`,
        labels: { alertname },
      })),
    );
    const notices = rig.browser.page.getByRole('complementary', { name: 'Notifications' });
    // Four alerts at once may be one burst message: at least one notice is up.
    await expect.poll(() => notices.locator('.notice').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await ui.goto('Alerts');
    const cards = rig.browser.page.getByTestId('alert-card');
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(4);
    const column = (await notices.boundingBox())!;
    for (let i = 0; i < 4; i++) {
      // The card (and so its Acknowledge and Silence buttons) ends left of the notices' column.
      const card = (await cards.nth(i).boundingBox())!;
      expect(card.x + card.width, `card ${i}`).toBeLessThanOrEqual(column.x);
      await cards.nth(i).getByRole('button', { name: 'Acknowledge', exact: true }).click({ trial: true, timeout: 5_000 });
    }
    await screenshot(rig.browser.page, 'walkthrough-notices-beside-cards');
  }, 60_000);
});
