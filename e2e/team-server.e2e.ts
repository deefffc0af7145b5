import { mkdtempSync } from 'node:fs';
import { request, type Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AckInfo, DesktopNotice } from '../src-shared/api';
import { connectTeam, pinnedAgent, presentedFingerprint, type TeamClient } from '../src-main/core/team';
import { removeDir, runCli, startVigil, type Served } from './fixtures/serve';
import { writeConfig } from './pages/setup';

/**
 * A team server (issue 18.4) and the connected-mode client, under Node against
 * the built `vigil serve` over real TLS: the Electron binary cannot run here,
 * so everything the desktop does in connected mode goes through this client.
 */
const CONFIG = writeConfig(
  ['channels: [ { name: desktop, type: desktop } ]', 'routes: [ { match: {}, channels: [desktop] } ]', 'smoke: { enabled: false }'].join(
    '\n',
  ),
);
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-team-'));
let vigil: Served;
let url = '';
let pin = '';
const clients: TeamClient[] = [];
const team = (token: string, p = pin) => {
  const c = connectTeam({ url, token, pin: p });
  clients.push(c);
  return c;
};
const value = async <T>(p: Promise<{ ok: boolean; value?: unknown; error?: { message: string } }>): Promise<T> => {
  const r = await p;
  if (!r.ok) throw new Error(r.error!.message);
  return r.value as T;
};

/** POST events to the team server's intake, through a pinned connection. */
function intake(agent: Agent, token: string, events: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(events);
    const req = request(
      new URL('/api/v1/events', url),
      { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (res) => (res.resume(), resolve(res.statusCode ?? 0)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  vigil = await startVigil({ config: CONFIG, dataDir, args: ['--host', '0.0.0.0', '--tls-self-signed'] });
  pin = /fingerprint \(pin this in connected desktops\): ([0-9A-F:]{95})/.exec(vigil.output())![1]!;
  url = vigil.base.replace('0.0.0.0', '127.0.0.1');
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await vigil?.stop();
  removeDir(dataDir);
});

describe('team server over TLS and the connected-mode client (R-PEOPLE-2)', () => {
  it('R-PEOPLE-2: a non-loopback bind without TLS is refused before anything listens; half a TLS pair too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-team-refuse-'));
    try {
      const plain = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dir, '--config', CONFIG]);
      expect(plain.code).toBe(2);
      expect(plain.stderr).toMatch(/^refusing to listen on 0\.0\.0\.0 without TLS: tokens would cross the network in the clear/);
      expect(plain.stdout).not.toContain('Vigil ready');
      const half = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dir, '--tls-cert', join(dir, 'x.pem')]);
      expect({ code: half.code, err: half.stderr.trim() }).toEqual({
        code: 2,
        err: '--tls-cert and --tls-key go together: give both files',
      });
    } finally {
      removeDir(dir);
    }
  });

  it('R-PEOPLE-2: the server speaks only TLS with the certificate whose fingerprint it printed', async () => {
    expect(vigil.url).toMatch(/^https:\/\/0\.0\.0\.0:\d+\/#token=/);
    expect(await presentedFingerprint(url)).toBe(pin);
    await expect(fetch(url.replace('https:', 'http:') + '/health')).rejects.toThrow();
  });

  it('R-PEOPLE-2: a connected client acts as its person; notices follow that person’s preferences kept on the server', async () => {
    const admin = team(vigil.token);
    const added = await value<{ token: string }>(admin.call('people.add', { name: 'rita', role: 'responder' }));
    const rita = team(added.token);
    expect(await value(rita.call('me.get', {}))).toEqual({ name: 'rita', role: 'responder', sessionId: null });
    expect(await value(rita.call('me.notify.set', { severities: ['critical'] }))).toEqual({ severities: ['critical'] });

    const seen: Record<string, DesktopNotice[]> = { admin: [], rita: [] };
    // Shown, and reported shown as the desktop does (the server counts a desktop message delivered only then).
    admin.subscribe('notice', (n) => void (seen.admin!.push(n), admin.call('notices.shown', { id: n.id })));
    rita.subscribe('notice', (n) => void (seen.rita!.push(n), rita.call('notices.shown', { id: n.id })));
    await expect.poll(() => [admin.state.state, rita.state.state], { timeout: 15_000 }).toEqual(['connected', 'connected']);

    const agent = pinnedAgent(pin);
    const events = [
      { source: 'app', severity: 'warning', summary: 'queue slow', labels: { alertname: 'QueueSlow' }, fingerprint: 'team-warn' },
      { source: 'app', severity: 'critical', summary: 'db down', labels: { alertname: 'DbDown' }, fingerprint: 'team-crit' },
    ];
    expect(await intake(agent, vigil.token, events)).toBe(202);
    agent.destroy();
    await expect.poll(() => seen.admin!.map((n) => n.severity).sort(), { timeout: 20_000 }).toEqual(['critical', 'warning']);
    // Each client has its own stream: rita's notice may arrive a moment after the admin's.
    await expect.poll(() => seen.rita!.map((n) => n.title), { timeout: 20_000 }).toEqual([expect.stringContaining('db down')]);

    // The acknowledgement goes to the team server, recorded as rita whatever name the request gives.
    await value(rita.call('alerts.ack', { fingerprint: 'team-crit', by: 'someone-else' }));
    const info = await value<AckInfo>(admin.call('alerts.ackInfo', { fingerprint: 'team-crit' }));
    expect(info.ack).toMatchObject({ by: 'rita' });
  });

  it('R-PEOPLE-2: a client pinned to another certificate is refused before it sends anything; its ack never happens', async () => {
    const wrong = 'AB:'.repeat(31) + 'AB';
    const admin = team(vigil.token);
    const impostor = team(vigil.token, wrong);
    const r = await impostor.call('alerts.ack', { fingerprint: 'team-warn', by: 'x' });
    expect(r).toEqual({
      ok: false,
      error: { code: 'forbidden', message: expect.stringContaining(`the server's certificate is ${pin}, not the pinned ${wrong}`) },
    });
    expect((await value<AckInfo>(admin.call('alerts.ackInfo', { fingerprint: 'team-warn' }))).acknowledged).toBe(false);
    impostor.subscribe('status', () => {});
    await expect.poll(() => impostor.state.state).toBe('refused');
    expect(() => connectTeam({ url: url.replace('https:', 'http:'), token: 't', pin })).toThrow(/over https only/);
  });

  it('R-PEOPLE-2: a restart keeps the generated certificate, so the pin holds; --tls-cert/--tls-key serve the same one', async () => {
    await vigil.stop();
    vigil = await startVigil({
      config: CONFIG,
      dataDir,
      args: ['--host', '0.0.0.0', '--tls-cert', join(dataDir, 'tls', 'cert.pem'), '--tls-key', join(dataDir, 'tls', 'key.pem')],
    });
    expect(vigil.output()).toContain(`fingerprint (pin this in connected desktops): ${pin}`);
    url = vigil.base.replace('0.0.0.0', '127.0.0.1');
    expect(await value(team(vigil.token).call('me.get', {}))).toMatchObject({ name: 'admin' });
  });
});

describe('the CLI against a team server with a self-signed certificate (R-TEAM-1)', () => {
  const wrong = 'CD:'.repeat(31) + 'CD';
  const change = (args: string[]) =>
    runCli(['change', 'add', '--service', 'api', '--summary', 'release 7', '--url', url, '--token', vigil.token, ...args]);

  it('R-TEAM-1: config reload pins the certificate the server wrote next to its data; a wrong --pin is refused, nothing reloads', async () => {
    const lastReload = async () =>
      (await value<{ lastReload: { at: number } | null }>(team(vigil.token).call('config.state', {}))).lastReload?.at ?? 0;
    const ok = await runCli(['config', 'reload', '--data-dir', dataDir]);
    expect({ code: ok.code, err: ok.stderr }).toEqual({ code: 0, err: '' });
    expect(ok.stdout).toMatch(/^RELOADED vigil serve pid \d+/);
    expect(await runCli(['config', 'reload', '--data-dir', dataDir, '--pin', pin.replace(/:/g, '').toLowerCase()])).toMatchObject({
      code: 0,
    });

    const reloaded = await lastReload();
    expect(reloaded).toBeGreaterThan(0);
    const refused = await runCli(['config', 'reload', '--data-dir', dataDir, '--pin', wrong]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(new RegExp(`^refused https://[^:]+:\\d+: the server's certificate is ${pin}, not the pinned ${wrong}`));
    expect(await lastReload()).toBe(reloaded);
    const bad = await runCli(['config', 'reload', '--data-dir', dataDir, '--pin', 'abc']);
    expect({ code: bad.code, err: bad.stderr.trim() }).toEqual({
      code: 2,
      err: '--pin: "abc" is not a SHA-256 fingerprint (64 hex digits, e.g. as vigil serve prints it)',
    });
  });

  it('R-TEAM-1: change add over https verifies by --pin; without one the CA check refuses and says to pin; never unverified', async () => {
    const unpinned = await change([]);
    expect(unpinned.code).toBe(1);
    expect(unpinned.stderr).toMatch(/certificate is not trusted \(self[- ]signed certificate\); .*pass --pin <fingerprint>/);
    expect(await change(['--pin', wrong])).toMatchObject({ code: 3, stderr: expect.stringContaining('not the pinned') as string });
    const admin = team(vigil.token);
    expect((await value<{ items: unknown[] }>(admin.call('changes.list', {}))).items).toEqual([]);

    const pinned = await change(['--pin', pin]);
    expect({ code: pinned.code, err: pinned.stderr }).toEqual({ code: 0, err: '' });
    expect((await value<{ items: Array<{ summary: string }> }>(admin.call('changes.list', {}))).items).toEqual([
      expect.objectContaining({ summary: 'release 7' }),
    ]);
  });
});
