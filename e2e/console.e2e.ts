import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage, NAV_PAGES } from './pages/console';
import { consoleRig } from './pages/setup';

const rig = consoleRig(null);

describe('console in Chromium against vigil serve', () => {
  it('R-UI: the Overview shows live status that came from the core, and the token leaves the address bar', async () => {
    const ui = new ConsolePage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await expect.poll(() => ui.connection.textContent()).toBe('connected');
    const status = await rig.vigil.rpc<{ startedAt: number; version: string; tiles: { label: string }[] }>('status.get');
    // The page renders the core's own start time and version, fetched over RPC and pushed over SSE.
    await expect.poll(() => ui.meta.textContent()).toContain(`Vigil ${status.version}`);
    expect(await ui.meta.textContent()).toContain(new Date(status.startedAt).getFullYear().toString());
    expect(await ui.tiles.count()).toBe(status.tiles.length);
    expect(await ui.worstStatus.textContent()).toMatch(/Overall: (OK|WARNING|CRITICAL)/);
    expect(rig.browser.page.url()).not.toContain('token=');
    await screenshot(rig.browser.page, 'overview');
  });

  it('R-UI: every page is reachable from the navigation', async () => {
    const ui = new ConsolePage(rig.browser.page);
    // Every page, ending back on the Overview.
    for (const label of [...NAV_PAGES.filter((p) => p !== 'Overview'), 'Overview']) {
      await ui.goto(label);
      expect(rig.browser.page.url()).toContain(`#/${label.toLowerCase()}`);
    }
  });

  it('R-PEOPLE-3: a browser that is not signed in gets the sign-in page, and the API refuses', async () => {
    // The session cookie signs in every tab of this browser; without it, the console asks for a token.
    await rig.browser.context.clearCookies();
    const fresh = await rig.browser.context.newPage();
    await fresh.goto(rig.vigil.base + '/');
    await fresh.getByRole('form', { name: 'Sign in' }).getByLabel('Personal token').waitFor();
    await fresh.close();
    const res = await fetch(`${rig.vigil.base}/api/rpc/status.get`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
  });
});
