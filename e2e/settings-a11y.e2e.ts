import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage, NAV_PAGES } from './pages/console';
import { EventsPage } from './pages/events';
import { consoleRig, drained, postEvents } from './pages/setup';

const rig = consoleRig();

/** Controls without an accessible name: no aria-label(ledby), no <label>, no text (runs in the page). */
const UNLABELLED = `[...document.querySelectorAll('main button, main input, main select, main textarea, main [tabindex="0"]')]
  .filter((el) => !(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.labels && el.labels.length) || (el.tagName === 'BUTTON' && el.textContent.trim())))
  .map((el) => el.outerHTML.slice(0, 120))`;
const unlabelled = (page: ConsolePage['page']) => page.evaluate(UNLABELLED) as Promise<string[]>;
const cssVar = (page: ConsolePage['page'], name: string) =>
  page.evaluate(`getComputedStyle(document.documentElement).getPropertyValue('${name}').trim()`) as Promise<string>;

describe('Settings, labels and keyboard against vigil serve', () => {
  it('R-UI: pausing notifications and stopping AutoHeal from Settings change the core, each after a clear step', async () => {
    const ui = new ConsolePage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await ui.goto('Settings');
    await rig.browser.page.getByLabel('Pause duration').selectOption('60');
    await rig.browser.page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect
      .poll(async () => (await rig.vigil.rpc<{ notificationsPausedUntil: number | null }>('status.get')).notificationsPausedUntil)
      .not.toBeNull();
    await expect.poll(() => rig.browser.page.getByTestId('settings-notifications').textContent()).toContain('Paused until');

    await rig.browser.page.getByLabel('Kill switch reason').fill('maintenance window');
    await rig.browser.page.getByRole('button', { name: 'Stop AutoHeal…' }).click();
    expect(await rig.vigil.rpc<{ on: boolean }>('heal.killSwitch.get')).toMatchObject({ on: false });
    await rig.browser.page.getByRole('dialog').getByRole('button', { name: 'Stop AutoHeal' }).click();
    await expect.poll(async () => (await rig.vigil.rpc<{ on: boolean }>('heal.killSwitch.get')).on).toBe(true);
    await expect.poll(() => rig.browser.page.getByTestId('settings-killswitch').textContent()).toContain('stopped');
    await screenshot(rig.browser.page, 'settings');
  });

  it('R-UI: every control on every page has a label, and Alt+1…9 moves between pages', async () => {
    await drained(
      rig.vigil,
      await postEvents(rig.vigil, [{ source: 'app', severity: 'warning', summary: 'label check', labels: { alertname: 'A' } }]),
    );
    const ui = new ConsolePage(rig.browser.page);
    for (const p of NAV_PAGES) {
      await ui.goto(p);
      await rig.browser.page.waitForTimeout(150);
      expect({ page: p, unlabelled: await unlabelled(rig.browser.page) }).toEqual({ page: p, unlabelled: [] });
    }
    // The event detail has its own controls.
    await ui.goto('Events');
    await new EventsPage(rig.browser.page).rows.first().click();
    await rig.browser.page.getByTestId('event-detail').getByRole('heading', { level: 2 }).waitFor();
    expect(await unlabelled(rig.browser.page)).toEqual([]);
    expect(await new EventsPage(rig.browser.page).meta.textContent()).toMatch(/^1 event ·/);

    // Alerts comes first in the navigation (R-ALERT-4), so Alt+1 is Alerts.
    await rig.browser.page.keyboard.press('Alt+4');
    await rig.browser.page.getByRole('heading', { level: 1, name: 'Queues' }).waitFor();
    await rig.browser.page.keyboard.press('Alt+3');
    await rig.browser.page.getByRole('heading', { level: 1, name: 'Events' }).waitFor();
    await rig.browser.page.keyboard.press('Alt+1');
    await rig.browser.page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
  });

  it('R-UI: light/dark follows the OS', async () => {
    const page = rig.browser.page;
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await cssVar(page, '--bg');
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await cssVar(page, '--bg');
    expect(light).toBe('#f6f7f9');
    expect(dark).toBe('#0f1216');
    await screenshot(page, 'events-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
