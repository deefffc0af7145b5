import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { request, type Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AckInfo, DesktopNotice, StatusSnapshot } from '../src-shared/api';
import type { TeamStatus } from '../src-shared/desktop';
import { createCore } from '../src-main/core/app';
import { headlessSecrets, parseConfig } from '../src-main/core/config';
import { createLogger } from '../src-main/core/log';
import { connectTeam, desktopMode, pinnedAgent, teamSettings, type DesktopMode, type TeamClient } from '../src-main/core/team';
import { ackFromTray } from '../src-main/electron/acks';
import { trayCounts } from '../src-main/electron/tray-state';
import { openBrowser, screenshot } from './fixtures/browser';
import { openDesktopConsole } from './fixtures/desktop-bridge';
import { removeDir, startVigil, type Served } from './fixtures/serve';
import { writeConfig } from './pages/setup';

/**
 * The desktop's connected mode (R-TEAM-2) as the Electron shell runs it — the
 * mode switch, settings (team.json + keychain token), status, tray counts,
 * notices and acks — under Node against the built `vigil serve
 * --tls-self-signed` on 127.0.0.1 (the Electron binary cannot run here; its
 * part is the IPC/tray binding of exactly these calls).
 */
const CONFIG = writeConfig(
  ['channels: [ { name: desktop, type: desktop } ]', 'routes: [ { match: {}, channels: [desktop] } ]', 'smoke: { enabled: false }'].join(
    '\n',
  ),
);
const LOCAL_YAML = 'channels: [ { name: desktop, type: desktop } ]\nroutes: [ { channels: [desktop] } ]\nsmoke: { enabled: false }\n';
const serverDir = mkdtempSync(join(tmpdir(), 'vigil-connected-srv-'));
const desktopDir = mkdtempSync(join(tmpdir(), 'vigil-connected-app-'));
let vigil: Served;
let url = '';
let pin = '';
let port = '';
let admin: TeamClient;
let ritaToken = '';
const modes: DesktopMode[] = [];
const localCores = { started: 0, running: 0 };

const value = async <T>(p: Promise<{ ok: boolean; value?: unknown; error?: { message: string } }>): Promise<T> => {
  const r = await p;
  if (!r.ok) throw new Error(r.error!.message);
  return r.value as T;
};
const serve = async () => {
  vigil = await startVigil({ config: CONFIG, dataDir: serverDir, args: ['--tls-self-signed', ...(port ? ['--port', port] : [])] });
  url = vigil.base;
  port = new URL(url).port;
};
/** The desktop as main.ts builds it: settings in its data folder, the token in its secret store, a local core on demand. */
const desktop = () => {
  const m = desktopMode({
    settings: teamSettings(desktopDir, headlessSecrets(desktopDir, {})),
    async startLocal() {
      const core = createCore({ config: parseConfig(LOCAL_YAML), dataDir: null, log: createLogger(null) });
      await core.start();
      localCores.started++;
      localCores.running++;
      return { core, onClose: async () => void localCores.running-- };
    },
    client: { backoffMs: () => 300, staleMs: 20_000 },
    checkEveryMs: 1_000,
  });
  modes.push(m);
  return m;
};
function intake(agent: Agent, events: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/api/v1/events', url),
      { method: 'POST', agent, headers: { authorization: `Bearer ${vigil.token}`, 'content-type': 'application/json' } },
      (res) => (res.resume(), resolve(res.statusCode ?? 0)),
    );
    req.on('error', reject);
    req.end(JSON.stringify(events));
  });
}
const fire = async (fingerprint: string, severity: string, summary: string) => {
  const agent = pinnedAgent(pin);
  try {
    expect(await intake(agent, [{ source: 'app', severity, summary, labels: { alertname: fingerprint }, fingerprint }])).toBe(202);
  } finally {
    agent.destroy();
  }
};
const connectedAs = (s: TeamStatus) => (s.mode === 'connected' && s.state === 'connected' ? `${s.person?.name} (${s.person?.role})` : s);

beforeAll(async () => {
  await serve();
  pin = /fingerprint \(pin this in connected desktops\): ([0-9A-F:]{95})/.exec(vigil.output())![1]!;
  admin = connectTeam({ url, token: vigil.token, pin });
  ritaToken = (await value<{ token: string }>(admin.call('people.add', { name: 'rita', role: 'approver' }))).token;
});
afterAll(async () => {
  for (const m of modes) await m.stop();
  admin?.close();
  await vigil?.stop();
  removeDir(serverDir);
  removeDir(desktopDir);
});

describe('the desktop in connected mode, against a real TLS team server (R-TEAM-2)', () => {
  it('R-TEAM-2: setup is trust on first use — the fingerprint shown is the server’s; a wrong pin or token is refused, nothing saved or switched', async () => {
    const m = desktop();
    expect(await m.start()).toEqual({ mode: 'local' });
    expect(localCores.running).toBe(1);
    expect(await m.probe(`${url}/`)).toEqual({ ok: true, value: { url, fingerprint: pin } });

    const wrong = 'AB:'.repeat(31) + 'AB';
    const mismatch = await m.connect({ url, token: ritaToken, pin: wrong });
    expect(mismatch).toEqual({
      ok: false,
      error: {
        code: 'forbidden',
        message: expect.stringContaining(`the server's certificate is ${pin}, not the pinned ${wrong}`) as string,
      },
    });
    const badToken = await m.connect({ url, token: 'vgp_not-a-real-token', pin });
    expect(badToken).toMatchObject({ ok: false, error: { code: 'unauthorized', message: expect.stringMatching(/refused this token/) } });
    expect(await m.connect({ url: url.replace('https:', 'http:'), token: ritaToken, pin })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/over https:\/\/ only/) },
    });
    expect(await m.connect({ url: `${url}/#token=${ritaToken}`, token: ritaToken, pin })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/must not carry a token/) },
    });
    expect(m.status()).toEqual({ mode: 'local' });
    expect(existsSync(join(desktopDir, 'team.json'))).toBe(false);
    expect(localCores.running).toBe(1);
  });

  it('R-TEAM-2: connected, the local router stops; status names the person from a real call; tray, notices (per me.notify), acks and approvals go to the team server as that person', async () => {
    const m = modes[0]!;
    // Subscribed while still local, as the tray and window are: the subscriptions follow the switch. Each notice is
    // reported shown, as main.ts does when the native notification shows (the team server counts delivery only then).
    const notices: DesktopNotice[] = [];
    m.api.subscribe('notice', (n) => void (notices.push(n), m.api.call('notices.shown', { id: n.id })));
    // A teammate's desktop that wants every severity (the server holds a desktop message until some console shows it).
    admin.subscribe('notice', (n) => void admin.call('notices.shown', { id: n.id }));

    const r = await m.connect({ url, token: ritaToken, pin: pin.replace(/:/g, '').toLowerCase() });
    expect(r.ok).toBe(true);
    expect(localCores.running).toBe(0);
    expect(JSON.parse(readFileSync(join(desktopDir, 'team.json'), 'utf8'))).toEqual({ url, pin });
    expect(readFileSync(join(desktopDir, 'team.json'), 'utf8')).not.toContain(ritaToken);
    expect(headlessSecrets(desktopDir, {}).get('team-token')).toBe(ritaToken);
    await expect.poll(() => connectedAs(m.status()), { timeout: 15_000 }).toBe('rita (approver)');
    expect(m.status()).toMatchObject({ mode: 'connected', url, pin, reason: null, since: expect.any(Number) });

    // rita's desktop shows criticals only: her preference, kept on the server.
    await value(m.api.call('me.notify.set', { severities: ['critical'] }));
    await fire('conn-warn', 'warning', 'queue slow');
    await fire('conn-crit', 'critical', 'db down');
    await expect.poll(async () => (await trayCounts(m.api)).firing, { timeout: 20_000 }).toBe(2);
    await expect.poll(() => notices.map((n) => n.title), { timeout: 20_000 }).toEqual([expect.stringContaining('db down')]);

    // The tray's "Acknowledge" goes to the team server; it records rita, not the OS user the tray names.
    await value(ackFromTray(m.api, 'conn-crit'));
    expect((await value<AckInfo>(admin.call('alerts.ackInfo', { fingerprint: 'conn-crit' }))).ack).toMatchObject({ by: 'rita' });
    expect((await trayCounts(m.api)).unacked.map((a) => a.fingerprint)).toEqual(['conn-warn']);

    // An approval proposed on the team server shows in rita's tray and her decision is recorded as hers.
    const plan = await value<{ id: string }>(
      admin.call('plans.create', {
        title: 'Restart the queue',
        createdBy: 'admin',
        steps: [{ type: 'wait_for_approval', question: 'Restart it?' }],
      }),
    );
    await expect
      .poll(async () => (await trayCounts(m.api)).approvals.map((a) => a.label), { timeout: 20_000 })
      .toEqual(['Restart the queue: Restart it?']);
    const approvalId = (await trayCounts(m.api)).approvals[0]!.id;
    const decided = await value<{ decidedBy: string }>(m.api.call('plans.decide', { approvalId, decision: 'reject', by: 'someone-else' }));
    expect(decided.decidedBy).toBe('rita');
    expect(plan.id).toBeTruthy();
  });

  it('R-TEAM-2: server down shows "disconnected" and calls fail; back on the same address it reconnects and pushes flow again', async () => {
    const m = modes[0]!;
    const notices: DesktopNotice[] = [];
    m.api.subscribe('notice', (n) => void (notices.push(n), m.api.call('notices.shown', { id: n.id })));
    await vigil.stop();
    await expect.poll(() => m.status(), { timeout: 20_000 }).toMatchObject({ state: 'disconnected', person: { name: 'rita' } });
    expect((m.status() as { reason: string }).reason).toMatch(/retrying|not reachable/);
    expect(await m.api.call('alerts.open', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(localCores.running).toBe(0);

    await serve();
    await expect.poll(() => connectedAs(m.status()), { timeout: 30_000 }).toBe('rita (approver)');
    await fire('conn-crit-2', 'critical', 'disk full');
    await expect.poll(() => notices.map((n) => n.title), { timeout: 20_000 }).toEqual([expect.stringContaining('disk full')]);
  });

  it('R-TEAM-3: "Pause notifications" on a connected desktop pauses only that person’s own notices on the server; the team server and everyone else carry on', async () => {
    const m = modes[0]!;
    const mine: DesktopNotice[] = [];
    const theirs: DesktopNotice[] = [];
    m.api.subscribe('notice', (n) => void (mine.push(n), m.api.call('notices.shown', { id: n.id })));
    admin.subscribe('notice', (n) => void theirs.push(n)); // the admin's console (it reports each shown, above)
    let shown: number | null | undefined;
    m.api.subscribe('status', (s) => void (shown = s.notificationsPausedUntil));

    // The tray's item and the Settings button both ask for notifications.pause, as main.ts binds them.
    const { pausedUntil } = await value<{ pausedUntil: number }>(m.api.call('notifications.pause', { minutes: 60 }));
    expect(pausedUntil).toBeGreaterThan(Date.now() + 59 * 60_000);
    // Kept on the server as rita's own; the team server's desktop channel is not paused for anyone else.
    expect(await value(m.api.call('me.notify.get', {}))).toMatchObject({ pausedUntil });
    expect((await value<StatusSnapshot>(admin.call('status.get', {}))).notificationsPausedUntil).toBeNull();
    // What rita's desktop shows (tray, Overview): her notices are paused until then.
    expect((await value<StatusSnapshot>(m.api.call('status.get', {}))).notificationsPausedUntil).toBe(pausedUntil);
    await expect.poll(() => shown, { timeout: 20_000 }).toBe(pausedUntil);

    await fire('pause-crit', 'critical', 'cache down');
    await expect.poll(() => theirs.map((n) => n.title), { timeout: 20_000 }).toContainEqual(expect.stringContaining('cache down'));
    const row = async (title: string) =>
      (await value<{ items: Array<{ title: string; state: string }> }>(admin.call('outbox.list', { channel: 'desktop' }))).items.find((i) =>
        i.title.includes(title),
      );
    await expect.poll(async () => (await row('cache down'))?.state, { timeout: 20_000 }).toBe('sent');
    expect(mine).toEqual([]);

    // Resumed (0), her desktop gets the next one.
    expect(await value(m.api.call('notifications.pause', { minutes: 0 }))).toEqual({ pausedUntil: null });
    await fire('pause-crit-2', 'critical', 'cache down again');
    await expect.poll(() => mine.map((n) => n.title), { timeout: 20_000 }).toEqual([expect.stringContaining('cache down again')]);
    await expect.poll(() => shown, { timeout: 20_000 }).toBeNull();
  });

  it('R-TEAM-2: a restarted desktop reconnects from team.json and the keychain; "use local mode" forgets both and starts the local router', async () => {
    await modes[0]!.stop();
    const m = desktop();
    expect(await m.start()).toMatchObject({ mode: 'connected', url, pin, state: 'connecting' });
    expect(localCores.running).toBe(0);
    await expect.poll(() => connectedAs(m.status()), { timeout: 15_000 }).toBe('rita (approver)');
    expect((await value<unknown[]>(m.api.call('alerts.open', {}))).length).toBeGreaterThan(0);

    expect(await m.disconnect()).toEqual({ ok: true, value: { mode: 'local' } });
    expect(existsSync(join(desktopDir, 'team.json'))).toBe(false);
    expect(headlessSecrets(desktopDir, {}).get('team-token')).toBeFalsy();
    expect(localCores.running).toBe(1);
    expect(await value(m.api.call('alerts.open', {}))).toEqual([]);
  });

  it('R-TEAM-2: Settings → Team server in the desktop console: confirm the fingerprint, then "connected to … as rita (approver)", "disconnected — retrying" while the server is down, and back to local', async () => {
    await modes.at(-1)!.stop();
    const m = desktop();
    await m.start();
    const b = await openBrowser();
    const off = await openDesktopConsole(b.page, m);
    const { page } = b;
    const host = new URL(url).host;
    try {
      const panel = page.getByTestId('settings-team');
      await panel.getByText('Local mode').waitFor();
      await panel.getByLabel('Team server URL').fill(url);
      await panel.getByLabel('Personal token').fill('vgp_wrong-token');
      await panel.getByRole('button', { name: 'Check certificate' }).click();
      const dialog = page.getByRole('dialog', { name: 'Trust this team server?' });
      await expect.poll(() => dialog.getByTestId('team-fingerprint').textContent(), { timeout: 15_000 }).toBe(pin);
      await screenshot(page, 'team-confirm-fingerprint');
      await dialog.getByRole('button', { name: 'They match: connect' }).click();
      await expect.poll(() => dialog.textContent(), { timeout: 15_000 }).toMatch(/refused this token/);
      expect(m.status()).toEqual({ mode: 'local' });
      await dialog.getByRole('button', { name: 'Cancel' }).click();

      await panel.getByLabel('Personal token').fill(ritaToken);
      await panel.getByRole('button', { name: 'Check certificate' }).click();
      await dialog.getByRole('button', { name: 'They match: connect' }).click();
      const line = page.getByTestId('team-line');
      await expect.poll(() => line.textContent(), { timeout: 30_000 }).toBe(`connected to ${host} as rita (approver)`);
      await expect.poll(() => page.getByTestId('team-status').textContent(), { timeout: 15_000 }).toMatch(/^connected connected to/);
      expect(localCores.running).toBe(0);

      // Her notification preference is the server's; changing it here changes it there.
      const prefs = page.getByRole('group', { name: 'Desktop notifications for' });
      await expect.poll(() => prefs.getByLabel('critical').isChecked(), { timeout: 15_000 }).toBe(true);
      expect(await prefs.getByLabel('warning').isChecked()).toBe(false);
      await prefs.getByLabel('warning').click();
      const rita = connectTeam({ url, token: ritaToken, pin });
      try {
        await expect
          .poll(async () => (await value<{ severities: string[] }>(rita.call('me.notify.get', {}))).severities.sort())
          .toEqual(['critical', 'warning']);
      } finally {
        rita.close();
      }
      await expect.poll(() => prefs.getByLabel('warning').isChecked(), { timeout: 15_000 }).toBe(true);
      await screenshot(page, 'team-connected');

      // R-TEAM-3: the pause says what it pauses here — rita's own notices — and pausing does exactly that.
      const notifications = page.getByTestId('settings-notifications');
      await expect
        .poll(() => notifications.getByTestId('pause-scope').textContent())
        .toBe(
          'Pausing stops only your own desktop notices (rita) from the team server; everyone else is still notified, and alerts still reach every channel.',
        );
      await notifications.getByRole('button', { name: 'Pause', exact: true }).click();
      await expect.poll(() => notifications.textContent(), { timeout: 15_000 }).toContain('Paused until');
      await screenshot(page, 'team-paused-mine');
      expect((await value<StatusSnapshot>(admin.call('status.get', {}))).notificationsPausedUntil).toBeNull();
      await notifications.getByRole('button', { name: 'Resume now' }).click();
      await expect.poll(() => notifications.textContent(), { timeout: 15_000 }).toContain('On.');

      await vigil.stop();
      await expect.poll(() => line.textContent(), { timeout: 30_000 }).toBe('disconnected — retrying');
      await screenshot(page, 'team-disconnected');
      await serve();
      await expect.poll(() => line.textContent(), { timeout: 30_000 }).toBe(`connected to ${host} as rita (approver)`);

      await page.getByTestId('settings-team').getByRole('button', { name: 'Use local mode…' }).click();
      await page.getByRole('dialog', { name: 'Leave the team server?' }).getByRole('button', { name: 'Use local mode' }).click();
      await page.getByTestId('settings-team').getByText('Local mode').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('team-line').count()).toBe(0);
      expect(existsSync(join(desktopDir, 'team.json'))).toBe(false);
      expect(localCores.running).toBe(1);
    } finally {
      off();
      await b.close();
    }
  });
});
