import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, screenshot } from './fixtures/browser';
import { removeDir, startVigil, type Served } from './fixtures/serve';
import { ConsolePage } from './pages/console';
import { writeConfig } from './pages/setup';

let vigil: Served;
let browser: Awaited<ReturnType<typeof openBrowser>>;

beforeAll(async () => {
  vigil = await startVigil({ config: writeConfig('smoke: { enabled: false }') });
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await vigil?.stop();
  if (vigil) removeDir(vigil.dataDir);
});

/** Call one RPC method with a given personal token: the HTTP status and the envelope. */
async function rpcAs(token: string, method: string, input: unknown = {}) {
  const res = await fetch(`${vigil.base}/api/rpc/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; value?: unknown; error?: { message: string } } };
}

describe('People page (vigil serve + Chromium)', () => {
  it('R-PEOPLE-1: an admin adds a person (token shown once), changes the role, rotates and removes; each takes effect at once', async () => {
    const page = browser.page;
    const ui = new ConsolePage(page);
    await ui.open(vigil.url);
    await ui.goto('People');
    await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toBe('signed in as admin (admin)');
    const people = page.getByTestId('people-list');
    await people.getByRole('row', { name: /admin/ }).waitFor();

    // Add: the token is shown once, in full, and it signs in as that person with that role.
    const form = page.getByRole('form', { name: 'Add a person' });
    await form.getByLabel('Name').fill('rita');
    await form.getByLabel('Role').selectOption('responder');
    await form.getByLabel('Telegram user id').fill('424242');
    await form.getByRole('button', { name: 'Add person' }).click();
    const shown = page.getByTestId('issued-token');
    const token = (await shown.getByLabel('Token for rita').textContent())!;
    expect(token).toMatch(/^vgp_[A-Za-z0-9_-]{43}$/);
    expect((await rpcAs(token, 'me.get')).body.value).toEqual({ name: 'rita', role: 'responder', sessionId: null });
    const row = page.getByTestId('person-rita');
    expect(await row.textContent()).toContain('424242');
    await screenshot(page, 'people-token-once');
    await shown.getByRole('button', { name: 'Done, hide it' }).click();
    expect(await page.content()).not.toContain(token);
    expect(JSON.stringify((await rpcAs(vigil.token, 'people.list')).body)).not.toContain(token);

    // Role change: a viewer is refused an acknowledgement with the reason.
    await row.getByLabel('Role of rita').selectOption('viewer');
    await expect.poll(async () => (await rpcAs(token, 'me.get')).body.value).toMatchObject({ role: 'viewer' });
    const ack = await rpcAs(token, 'alerts.ack', { fingerprint: 'fp-any', by: 'rita' });
    expect(ack).toMatchObject({
      status: 403,
      body: { error: { message: 'rita is a viewer; alerts.ack needs the responder role or higher' } },
    });
    // The list refetches after the change; a refetch already in flight may show the old role for a moment.
    await expect.poll(() => row.getByLabel('Role of rita').inputValue(), { timeout: 10_000 }).toBe('viewer');

    // Rotate: confirm, the new token is shown once, the old one stops working at once.
    await row.getByRole('button', { name: 'Rotate token of rita' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate token' }).click();
    const fresh = (await shown.getByLabel('Token for rita').textContent())!;
    expect(fresh).not.toBe(token);
    expect((await rpcAs(token, 'me.get')).status).toBe(401);
    expect((await rpcAs(fresh, 'me.get')).status).toBe(200);
    await shown.getByRole('button', { name: 'Done, hide it' }).click();

    // Remove: confirm; the token is refused at once, the audit keeps who did each step.
    await row.getByRole('button', { name: 'Remove rita' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await rpcAs(fresh, 'me.get')).status).toBe(401);
    const audit = (await rpcAs(vigil.token, 'audit.list', { limit: 50 })).body.value as {
      entries: Array<{ actor: string; action: string }>;
    };
    expect(audit.entries.filter((e) => e.action.startsWith('person.')).map((e) => `${e.actor} ${e.action}`)).toEqual([
      'admin person.remove',
      'admin person.rotate',
      'admin person.update',
      'admin person.add',
      'vigil person.add',
    ]);
  });

  it('R-PEOPLE-1: a non-admin sees who they are, not the people list; the core refuses them people.add with the reason', async () => {
    const added = await vigil.rpc<{ token: string }>('people.add', { name: 'vic', role: 'viewer' });
    const tab = await browser.context.newPage();
    try {
      const ui = new ConsolePage(tab);
      await ui.open(`${vigil.base}/#token=${added.token}`);
      await ui.goto('People');
      await expect.poll(() => tab.getByTestId('signed-in-as').textContent()).toBe('signed in as vic (viewer)');
      expect(await tab.getByRole('status').filter({ hasText: 'managed by admins' }).textContent()).toContain('You are vic, a viewer');
      expect(await tab.getByTestId('people-list').count()).toBe(0);
      await screenshot(tab, 'people-viewer');
      const refused = await rpcAs(added.token, 'people.add', { name: 'mallory', role: 'admin' });
      expect(refused).toMatchObject({
        status: 403,
        body: { error: { message: 'vic is a viewer; people.add needs the admin role or higher' } },
      });
    } finally {
      await tab.close();
    }
  });
});
