import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { consoleRig } from './pages/setup';

/**
 * The Alerts page in Chromium against the built `vigil serve` (R-ALERT-4/6/7/8):
 * a 200-alert burst is one card; typed matchers filter; a whole group is
 * acknowledged in one click; a group is silenced from a form that ticks
 * the problem's labels and not the instance's; the tab title counts what
 * waits; a new critical raises a browser notification whose click opens it.
 */
const rig = consoleRig();

type AmAlert = { fingerprint: string; labels: Record<string, string>; status: { state: string }; vigil: { ack: { by: string } | null } };

async function post(alerts: object[]): Promise<void> {
  const res = await rig.vigil.api('/api/v2/alerts', { method: 'POST', body: JSON.stringify(alerts) });
  if (res.status !== 200) throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`);
}
const alerts = async (filter = ''): Promise<AmAlert[]> => (await (await rig.vigil.api(`/api/v2/alerts${filter}`)).json()) as AmAlert[];

describe('Alerts page against vigil serve', () => {
  it('R-ALERT-4: a 200-alert burst is one card of 200; the console lands on Alerts; the title counts what waits (R-ALERT-6)', async () => {
    const page = rig.browser.page;
    // Record the notifications the page raises (the real Notification still runs underneath).
    await page.addInitScript({
      content: `(() => {
        const Real = window.Notification;
        const seen = [];
        window.__notes = seen;
        class Recorded extends Real {
          constructor(title, opts) { super(title, opts); const self = this; seen.push({ title, tag: (opts && opts.tag) || '', click: () => self.onclick && self.onclick(new Event('click')) }); }
        }
        Object.defineProperty(window, 'Notification', { value: Recorded });
      })();`,
    });
    await rig.browser.context.grantPermissions(['notifications'], { origin: rig.vigil.base });
    const startsAt = new Date(Date.now() - 5 * 60_000).toISOString();
    await post(
      Array.from({ length: 200 }, (_, i) => ({
        labels: { alertname: 'NodeClockSkew', instance: `host-${String(i).padStart(3, '0')}:9100`, job: 'node', severity: 'warning' },
        annotations: { summary: 'Clock skew above 50 ms', runbook_url: 'https://runbooks.example/clock-skew' },
        startsAt,
      })),
    );
    await post([
      {
        labels: { alertname: 'DiskFull', instance: 'db1', severity: 'critical' },
        annotations: { summary: 'Disk 97% on db1', dashboard_url: 'https://grafana.example/d/disk' },
      },
      { labels: { alertname: 'DiskFull', instance: 'db2', severity: 'critical' }, annotations: { summary: 'Disk 95% on db2' } },
    ]);
    await expect.poll(async () => (await alerts()).length, { timeout: 20_000 }).toBe(202);

    const ui = new ConsolePage(page);
    await ui.open(rig.vigil.url);
    // Something fires: the console opens on Alerts, not on the Overview.
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    await expect.poll(() => page.title()).toBe('(202) Vigil');
    const skew = page.getByTestId('alert-card').filter({ hasText: 'NodeClockSkew' });
    await expect.poll(() => skew.count()).toBe(1);
    expect(await skew.getAttribute('aria-label')).toBe('NodeClockSkew: 200 alerts');
    expect(await skew.textContent()).toMatch(/NodeClockSkew · 200 alerts.*firing 5 m/);
    expect(await skew.getByRole('link', { name: 'runbook' }).getAttribute('href')).toBe('https://runbooks.example/clock-skew');
    // The most severe group comes first.
    expect(await page.getByTestId('alert-card').first().getAttribute('aria-label')).toBe('DiskFull: 2 alerts');
    await screenshot(page, 'alerts');

    await skew.getByRole('button', { name: 'Show 200 alerts' }).click();
    await expect.poll(() => skew.locator('table.alert-rows tr').count()).toBe(200);
    // Each row shows what tells it apart (its instance), dated in the one format with a zone.
    expect(await skew.locator('table.alert-rows tr').first().textContent()).toMatch(/instance=host-\d{3}:9100/);
    expect(await skew.locator('table.alert-rows td[title]').first().getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+$/);
    await screenshot(page, 'alerts-expanded');
    await skew.getByRole('button', { name: 'Hide alerts' }).click();

    // Typed matchers filter the cards.
    await page.getByLabel('Matchers').fill('alertname=~"Disk.*"');
    await expect.poll(() => page.getByTestId('alert-card').count()).toBe(1);
    await expect.poll(() => page.getByTestId('alert-card').first().getAttribute('aria-label')).toBe('DiskFull: 2 alerts');
    await page.getByLabel('Matchers').fill('alertname=~"("');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/regular expression/);
    await page.getByLabel('Matchers').fill('');
    await expect.poll(() => page.getByTestId('alert-card').count()).toBe(2);
  });

  it('R-ROUTE-8: acknowledging a whole group is one click, as the signed-in person; the title drops to what still waits (R-ALERT-6)', async () => {
    const page = rig.browser.page;
    const skew = page.getByTestId('alert-card').filter({ hasText: 'NodeClockSkew' });
    await skew.getByRole('button', { name: 'Acknowledge all 200' }).click();
    await expect
      .poll(async () => (await alerts('?filter=alertname%3DNodeClockSkew')).filter((a) => a.vigil.ack?.by === 'admin').length, {
        timeout: 30_000,
      })
      .toBe(200);
    await expect.poll(() => page.title(), { timeout: 20_000 }).toBe('(2) Vigil');
    await expect.poll(() => skew.textContent()).toContain('acknowledged');
    await page.getByLabel('Unacknowledged').check();
    await expect.poll(() => page.getByTestId('alert-card').count()).toBe(1);
    await page.getByLabel('Unacknowledged').uncheck();
  });

  it("R-ALERT-3: silencing a group pre-fills the problem's labels (instance unticked), counts what it covers, and suppresses at once", async () => {
    const page = rig.browser.page;
    const disk = page.getByTestId('alert-card').filter({ hasText: 'DiskFull' });
    await disk.getByRole('button', { name: 'Show 2 alerts' }).click();
    await disk.locator('table.alert-rows tr').first().getByRole('button', { name: 'Silence…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Silence' });
    // From one alert: alertname and severity ticked, the instance not.
    expect(await dialog.getByRole('checkbox', { name: /alertname="DiskFull"/ }).isChecked()).toBe(true);
    expect(await dialog.getByRole('checkbox', { name: /instance="db\d"/ }).isChecked()).toBe(false);
    await expect.poll(() => dialog.getByTestId('silence-covers').textContent()).toBe('Covers 2 alerts firing now.');
    await screenshot(page, 'alerts-silence-form');
    await dialog.getByLabel('Comment').fill('disk swap on the db pair');
    await dialog.getByRole('button', { name: 'Create silence' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Silence' }).textContent()).toMatch(/covers 2 alerts now/);
    const api = await alerts('?filter=alertname%3DDiskFull');
    expect(api.map((a) => a.status.state)).toEqual(['suppressed', 'suppressed']);
    await expect.poll(() => disk.textContent()).toContain('silenced');
    // Acknowledged or silenced: nothing waits, the title says so.
    await expect.poll(() => page.title(), { timeout: 20_000 }).toBe('Vigil');
  });

  it('R-ALERT-7: a new critical raises a browser notification; its click opens that alert', async () => {
    const page = rig.browser.page;
    await post([
      { labels: { alertname: 'ApiDown', instance: 'api-1', severity: 'critical' }, annotations: { summary: 'API answers 503' } },
    ]);
    // The intake answers after the commit; the alert appears once the router processed it.
    let fp = '';
    await expect
      .poll(async () => (fp = (await alerts('?filter=alertname%3DApiDown'))[0]?.fingerprint ?? ''), { timeout: 20_000 })
      .not.toBe('');
    await expect
      .poll(() => page.evaluate('window.__notes.map((n) => n.title + "|" + n.tag)'), { timeout: 20_000 })
      .toEqual([`Critical: API answers 503|${fp}`]);
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.evaluate('window.__notes[0].click()');
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    expect(page.url()).toContain(`#/alerts/${fp}`);
    await expect.poll(() => page.locator(`#alert-${fp}`).getAttribute('class')).toBe('focused');
    await screenshot(page, 'alerts-deep-link');
  });

  it('R-ALERT-4: the Overview leads with the firing groups and what waits; self-checks come after', async () => {
    const page = rig.browser.page;
    await new ConsolePage(page).goto('Overview');
    const firing = page.getByTestId('firing-now');
    await expect.poll(() => firing.locator('li').count()).toBe(3);
    expect(await firing.locator('li').allTextContents()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/NodeClockSkew · 200 alerts.*all handled/),
        expect.stringMatching(/ApiDown · 1 alert.*1 unacknowledged/),
      ]),
    );
    // What fires and what waits come before the self-check tiles.
    const order = await page.evaluate(`(() => {
      const f = document.querySelector('[data-testid="firing-now"]');
      const t = document.querySelector('[data-testid="status-tiles"]');
      return f.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING ? 'firing first' : 'tiles first';
    })()`);
    expect(order).toBe('firing first');
    await screenshot(page, 'overview-leads-with-alerts');
  });

  it('R-CHANGE-1: a deploy before an alert is shown on its card and in each alert it came before; a host change only on that host', async () => {
    const page = rig.browser.page;
    const change = async (c: object) => {
      const res = await rig.vigil.api('/api/v1/changes', { method: 'POST', body: JSON.stringify(c) });
      if (res.status !== 201 && res.status !== 200) throw new Error(`POST /api/v1/changes: ${res.status} ${await res.text()}`);
    };
    const now = Date.now();
    await change({ kind: 'deploy', service: 'checkout', version: '2.3.1', author: 'alice', at: now - 4 * 60_000 });
    await change({ kind: 'manual', hosts: ['web2'], author: 'bob', summary: 'resized /var', at: now - 2 * 60_000 });
    // Another service's deploy, and one long before the window: neither is shown.
    await change({ kind: 'deploy', service: 'billing', version: '9.9.9', author: 'carol', at: now - 3 * 60_000 });
    await change({ kind: 'deploy', service: 'checkout', version: '2.2.0', author: 'dave', at: now - 5 * 3_600_000 });
    const startsAt = new Date(now - 60_000).toISOString();
    await post(
      ['web1', 'web2', 'web3'].map((h) => ({
        labels: { alertname: 'CheckoutErrors', service: 'checkout', instance: `${h}:9100`, severity: 'warning' },
        annotations: { summary: `5xx above 5% on ${h}` },
        startsAt,
      })),
    );
    await post([{ labels: { alertname: 'CacheCold', service: 'search', instance: 'cache1', severity: 'info' }, startsAt }]);
    await expect.poll(async () => (await alerts('?filter=service%3D~%22checkout%7Csearch%22')).length, { timeout: 20_000 }).toBe(4);

    await new ConsolePage(page).goto('Alerts');
    const card = page.getByTestId('alert-card').filter({ hasText: 'CheckoutErrors' });
    const what = card.getByTestId('group-changes');
    await expect.poll(() => what.locator('li').count(), { timeout: 20_000 }).toBe(2);
    expect(await what.locator('li').allTextContents()).toEqual([
      expect.stringMatching(/^What changed: manual web2 by bob, 1 min before \(.*same host, before 1 of 3 alerts\)/),
      expect.stringMatching(/^What changed: deploy checkout 2\.3\.1 by alice, 3 min before \(.*same service, before 3 of 3 alerts\)/),
    ]);
    // Unrelated work is not blamed: the other group shows no change.
    expect(await page.getByTestId('alert-card').filter({ hasText: 'CacheCold' }).getByTestId('group-changes').count()).toBe(0);

    // Each alert's detail says what changed before it: the deploy on all three, bob's resize only on web2.
    await card.getByRole('button', { name: 'Show 3 alerts' }).click();
    const rows = card.locator('table.alert-rows tr');
    await expect.poll(() => rows.count()).toBe(3);
    const changesOf = async (host: string) =>
      (
        await rows
          .filter({ hasText: `instance=${host}:9100` })
          .getByTestId('alert-change')
          .allTextContents()
      ).map((t) => t.replace(/,.*/, ''));
    expect(await changesOf('web1')).toEqual(['changed: deploy checkout 2.3.1 by alice']);
    expect((await changesOf('web2')).sort()).toEqual(['changed: deploy checkout 2.3.1 by alice', 'changed: manual web2 by bob']);
    await screenshot(page, 'alerts-what-changed');

    // The day's changes are listed on the page too, newest first; the one from five hours ago is among them.
    const recent = page.getByTestId('recent-changes');
    await recent.locator('summary').click();
    await expect.poll(() => recent.locator('summary').textContent()).toBe('Recent changes (4 in 24 h)');
    expect(await recent.locator('li strong').allTextContents()).toEqual([
      'manual web2 by bob',
      'deploy billing 9.9.9 by carol',
      'deploy checkout 2.3.1 by alice',
      'deploy checkout 2.2.0 by dave',
    ]);
    await screenshot(page, 'alerts-recent-changes');
  });
});
