import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, screenshot } from './fixtures/browser';
import { removeDir, startVigil, type Served } from './fixtures/serve';
import { ConsolePage } from './pages/console';
import { writeConfig } from './pages/setup';

/**
 * Browser sessions (R-PEOPLE-3, issue 18.3 / 13.5) in Chromium against the built `vigil serve`:
 * the printed address signs in once and the HttpOnly cookie does the rest (RPC, SSE, deep links in new
 * tabs); the token is then nowhere in the page; revocation, sign-out and expiry return to the sign-in page.
 */
const TTL_S = 3600;
let vigil: Served;
let browser: Awaited<ReturnType<typeof openBrowser>>;
let admin: ConsolePage;

beforeAll(async () => {
  vigil = await startVigil({ config: writeConfig(`smoke: { enabled: false }\npeople: { sessionTtl: ${TTL_S}s }`) });
  browser = await openBrowser();
  admin = new ConsolePage(browser.page);
});
afterAll(async () => {
  await browser?.close();
  await vigil?.stop();
  if (vigil) removeDir(vigil.dataDir);
});

const sessionCookie = async (b: { context: { cookies(url: string): Promise<Array<{ name: string; value: string }>> } }, base: string) =>
  (await b.context.cookies(base)).find((c) => c.name === 'vigil_session');
/** Call an RPC method from Node with nothing but a session cookie (and the CSRF header). */
const rpcWithCookie = (base: string, value: string, method: string) =>
  fetch(`${base}/api/rpc/${method}`, {
    method: 'POST',
    headers: { cookie: `vigil_session=${value}`, 'content-type': 'application/json', 'x-vigil-csrf': '1' },
    body: '{}',
  });
const post = (name: string) =>
  vigil.api('/api/v2/alerts', {
    method: 'POST',
    body: JSON.stringify([{ labels: { alertname: name, severity: 'warning', instance: 'web-1' } }]),
  });
const signInPage = (page: Page) => page.getByRole('heading', { level: 1, name: 'Sign in to Vigil' });
const reason = (page: Page) => page.getByTestId('sign-in-reason');

describe('browser sessions (vigil serve + Chromium)', () => {
  it('R-PEOPLE-3: the printed address signs in once; the cookie is HttpOnly, SameSite=Strict, Path=/, lives the TTL; the token is then nowhere in the page', async () => {
    const page = browser.page;
    const requests: Array<{ url: string; authorization?: string }> = [];
    page.on('request', (r) => requests.push({ url: r.url(), authorization: r.headers()['authorization'] }));
    const before = Date.now();
    await admin.open(vigil.url); // …/#token=<admin token>, as `vigil serve` prints it
    await admin.connection.filter({ hasText: 'connected' }).waitFor();

    const c = (await browser.context.cookies(vigil.base)).find((x) => x.name === 'vigil_session')!;
    expect(c).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
    expect(c.value).toMatch(/^vgs_/);
    expect(c.expires * 1000).toBeGreaterThanOrEqual(before + TTL_S * 1000 - 5_000);
    expect(c.expires * 1000).toBeLessThanOrEqual(Date.now() + TTL_S * 1000 + 5_000);

    const seen = await page.evaluate<Record<string, string>>(
      '({ href: location.href, session: JSON.stringify({ ...sessionStorage }), local: JSON.stringify({ ...localStorage }), cookie: document.cookie })',
    );
    expect(seen.href).not.toContain('token');
    for (const v of Object.values(seen)) expect(v).not.toContain(vigil.token);
    expect(seen.cookie).not.toContain('vigil_session'); // HttpOnly: no script can read it
    // After the one exchange, no request carries the token: not in a URL (EventSource included), not as a header.
    const api = requests.filter((r) => new URL(r.url).pathname.startsWith('/api/'));
    expect(api.map((r) => new URL(r.url).pathname)).toEqual(expect.arrayContaining(['/api/session', '/api/stream', '/api/rpc/status.get']));
    expect(api.filter((r) => r.url.includes(vigil.token) || r.url.includes('token=') || r.authorization)).toEqual([]);

    // The "signed in as" menu in the header, with the session's end and Sign out.
    const menu = page.getByTestId('session-menu');
    await expect.poll(() => menu.getByRole('button').textContent()).toBe('signed in as admin (admin) ▾');
    await menu.getByRole('button').click();
    await menu.getByRole('menu', { name: 'Session' }).getByRole('menuitem', { name: 'Sign out' }).waitFor();
    expect(await menu.getByRole('menu').textContent()).toMatch(
      /Signed in as admin, admin\. Session ends \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+\./,
    );
    await screenshot(page, 'session-menu');
    await page.keyboard.press('Escape');
    await menu.getByRole('menu').waitFor({ state: 'detached' });
  });

  it('R-PEOPLE-3: a deep link opened in a new tab of the same browser works without the token, and its pushes arrive over the cookie (R-ALERT-4)', async () => {
    expect((await post('DeepLinkProbe')).status).toBe(200);
    let fp = '';
    await expect
      .poll(async () => {
        const list = (await (await vigil.api('/api/v2/alerts')).json()) as Array<{ fingerprint: string; labels: { alertname: string } }>;
        fp = list.find((a) => a.labels.alertname === 'DeepLinkProbe')?.fingerprint ?? '';
        return fp;
      })
      .not.toBe('');
    const tab = await browser.context.newPage();
    try {
      await tab.goto(`${vigil.base}/#/alerts/${fp}`);
      await tab.getByRole('navigation', { name: 'Pages' }).waitFor();
      await tab.locator(`#alert-${fp}`).waitFor();
      expect(tab.url()).toBe(`${vigil.base}/#/alerts/${fp}`);
      // A new alert reaches the open tab by the event stream (the cookie alone), without a reload.
      expect((await post('PushedLater')).status).toBe(200);
      await tab.getByText('PushedLater').first().waitFor({ timeout: 20_000 });
    } finally {
      await tab.close();
    }
  });

  it('R-PEOPLE-4: opening the printed address again in the same browser ends the session it replaces; the open tab carries on with the new one', async () => {
    const old = (await sessionCookie(browser, vigil.base))!.value;
    const live = async () => (await vigil.rpc<Array<{ person: string }>>('sessions.list')).filter((x) => x.person === 'admin').length;
    expect(await live()).toBe(1);
    const tab = await browser.context.newPage();
    try {
      await tab.goto(vigil.url); // #token=… again
      await new ConsolePage(tab).connection.filter({ hasText: 'connected' }).waitFor();
      const fresh = (await sessionCookie(browser, vigil.base))!.value;
      expect(fresh).not.toBe(old);
      // The replaced session is over on the server at once, not left open until its expiry.
      expect((await rpcWithCookie(vigil.base, old, 'status.get')).status).toBe(401);
      expect(await live()).toBe(1);
      // The first tab's stream is told its session ended (checked every 3 s); it reopens on the browser's new cookie.
      await new Promise((r) => setTimeout(r, 4_500));
      expect(await signInPage(browser.page).count()).toBe(0);
      expect((await post('AfterSecondSignIn')).status).toBe(200);
      await browser.page.goto(`${vigil.base}/#/alerts`);
      await browser.page.getByText('AfterSecondSignIn').first().waitFor({ timeout: 20_000 });
      expect(await signInPage(browser.page).count()).toBe(0);
      // Its desktop notice would cover the People page's buttons in the next test.
      await browser.page.getByRole('button', { name: /^Dismiss all/ }).click();
    } finally {
      await tab.close();
    }
  });

  it('R-PEOPLE-3: a change the page makes with the cookie but without the CSRF header is refused (403) and changes nothing', async () => {
    // Same origin, same cookie, no header: what a script injected into another page of this host could send.
    const attempt = (withHeader: boolean) =>
      browser.page.evaluate<{ status: number; body: { error?: { message: string } } }>(`(async () => {
        const res = await fetch('/api/rpc/people.add', {
          method: 'POST',
          headers: { 'content-type': 'application/json'${withHeader ? ", 'x-vigil-csrf': '1'" : ''} },
          body: JSON.stringify({ name: 'mallory', role: 'admin' }),
        });
        return { status: res.status, body: await res.json() };
      })()`);
    const refused = await attempt(false);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toContain('needs the x-vigil-csrf header');
    expect((await vigil.rpc<Array<{ name: string }>>('people.list')).map((p) => p.name)).not.toContain('mallory');
  });

  it('R-PEOPLE-3: the sign-in page takes a personal token; revoking that session on the People page ends it in the other browser at its next request, with the reason', async () => {
    const rita = await vigil.rpc<{ token: string }>('people.add', { name: 'rita', role: 'responder' });
    const other = await openBrowser();
    try {
      const page = other.page;
      await page.goto(vigil.base);
      await signInPage(page).waitFor();
      expect(await reason(page).count()).toBe(0);
      await screenshot(page, 'sign-in');
      const form = page.getByRole('form', { name: 'Sign in' });
      await form.getByLabel('Personal token').fill('vgp_not-a-token');
      await form.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => form.getByRole('alert').textContent()).toContain('not a personal token on record');
      await form.getByLabel('Personal token').fill(rita.token);
      await form.getByRole('button', { name: 'Sign in' }).click();
      const ui = new ConsolePage(page);
      await ui.nav('Events').waitFor();
      await expect.poll(() => page.getByTestId('session-menu').getByRole('button').textContent()).toBe('signed in as rita (responder) ▾');
      expect(await page.evaluate<string>('JSON.stringify({ ...sessionStorage, ...localStorage })')).not.toContain(rita.token);

      // The admin ends rita's session on the People page.
      await admin.goto('People');
      const sessions = browser.page.getByTestId('people-sessions');
      // The admin's own session is marked, so they do not end it by mistake.
      await expect.poll(() => sessions.getByRole('row').filter({ hasText: 'admin' }).textContent()).toContain('admin (this browser)');
      const row = sessions.getByRole('row').filter({ hasText: 'rita' });
      await row.getByRole('button', { name: 'Revoke' }).click();
      await row.waitFor({ state: 'detached' });

      // Rita's next request is refused and her console shows the sign-in page with the reason
      // (an open event stream also ends within seconds on its own).
      // The stream may already have ended it: then the sign-in page has replaced the navigation and there is no
      // link left to click (CI: the click waited 30 s on a detached link).
      await ui
        .nav('Events')
        .click({ timeout: 5_000 })
        .catch(() => undefined);
      await signInPage(page).waitFor({ timeout: 20_000 });
      await expect
        .poll(() => reason(page).textContent())
        .toMatch(/^Your session was ended at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; sign in again\.$/);
      await screenshot(page, 'sign-in-ended');
    } finally {
      await other.close();
    }
  });

  it('R-PEOPLE-3: Sign out ends the session on the server and clears the cookie; a new tab then shows the sign-in page', async () => {
    const page = browser.page;
    const old = (await sessionCookie(browser, vigil.base))!.value;
    const menu = page.getByTestId('session-menu');
    await menu.getByRole('button').click();
    await menu.getByRole('menuitem', { name: 'Sign out' }).click();
    await signInPage(page).waitFor();
    expect(await reason(page).textContent()).toBe('You signed out.');
    expect(await sessionCookie(browser, vigil.base)).toBeUndefined();
    expect((await rpcWithCookie(vigil.base, old, 'status.get')).status).toBe(401);
    const tab = await browser.context.newPage();
    try {
      await tab.goto(`${vigil.base}/#/alerts`);
      await signInPage(tab).waitFor();
    } finally {
      await tab.close();
    }
  });

  it('R-PEOPLE-3: a session ends at people.sessionTtl: the console returns to the sign-in page saying it expired, and the server refuses the cookie', async () => {
    const short = await startVigil({ config: writeConfig('smoke: { enabled: false }\npeople: { sessionTtl: 8s }') });
    const b = await openBrowser();
    try {
      await b.page.goto(short.url);
      await b.page.getByRole('navigation', { name: 'Pages' }).waitFor();
      const c = (await sessionCookie(b, short.base))!;
      const value = c.value;
      // The browser itself drops the cookie at Max-Age; the console says why at that moment.
      await signInPage(b.page).waitFor({ timeout: 40_000 });
      expect(await reason(b.page).textContent()).toMatch(/^Your session expired at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+; sign in again\.$/);
      const refused = await rpcWithCookie(short.base, value, 'status.get');
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/^Your session expired at/);
    } finally {
      await b.close();
      await short.stop();
      removeDir(short.dataDir);
    }
  });
});
