import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openBrowser, screenshot } from './fixtures/browser';
import { CLI, removeDir, ROOT } from './fixtures/serve';
import { ConsolePage } from './pages/console';

/** `vigil demo`: one command, a throwaway data dir, a simulated fleet firing within seconds (issue 15 item 4b). */
let proc: ChildProcess | null = null;
const home = mkdtempSync(join(tmpdir(), 'vigil-demo-home-'));
const userDataDir = join(home, 'real-data');

afterAll(() => {
  proc?.kill('SIGKILL');
  removeDir(home);
});

describe('vigil demo', () => {
  it('R-SETUP-9: vigil demo shows firing alerts in Chromium within seconds, a pending approval and a recorded deploy; it never touches the user’s data dir and removes its own', async () => {
    // The user's data dir as serve would pick it ($VIGIL_DATA_DIR, else ~/.local/share/vigil under this HOME).
    proc = spawn(process.execPath, [CLI, 'demo'], {
      cwd: ROOT,
      env: { ...process.env, HOME: home, VIGIL_DATA_DIR: userDataDir, XDG_DATA_HOME: join(home, 'xdg') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await expect.poll(() => /Vigil ready: (\S+)/.exec(out)?.[1], { timeout: 30_000 }).toBeTruthy();
    const url = /Vigil ready: (\S+)/.exec(out)![1]!;
    const demoDir = /data in (\S+) \(removed on exit\)/.exec(out)![1]!;
    expect(demoDir.startsWith(tmpdir())).toBe(true);

    const browser = await openBrowser();
    try {
      const page = browser.page;
      const ui = new ConsolePage(page);
      const opened = Date.now();
      await ui.open(url);
      await ui.goto('Overview');
      const firing = page.getByTestId('firing-now');
      await expect.poll(() => firing.textContent(), { timeout: 20_000 }).toContain('NodeDiskFull');
      console.log(`demo: firing alerts on the Overview ${Date.now() - opened} ms after opening it`);
      await screenshot(page, 'demo-overview');
      // The plan waiting at its approval step counts on the Overview, as the Approvals page shows it.
      await expect.poll(() => page.getByTestId('pending-approvals').locator('strong').textContent(), { timeout: 15_000 }).toBe('1');
      // A plan waits for a person's decision (a wait_for_approval step; the demo has no SSH hosts to heal).
      await ui.goto('Approvals');
      await expect.poll(() => page.locator('main.content').textContent(), { timeout: 15_000 }).toContain('Free disk space on node-03');
      await ui.goto('Alerts');
      await expect.poll(() => page.locator('main.content').textContent(), { timeout: 15_000 }).toContain('NodeDiskFull · 6 alerts');
      // The deploy recorded before the alerts is shown beside them (R-CHANGE-1).
      await expect.poll(() => page.locator('main.content').textContent(), { timeout: 15_000 }).toMatch(/Recent changes\s*\(1 in 24 h\)/);
      // ... and beside the latency alert it came before.
      await expect
        .poll(() => page.getByTestId('group-changes').textContent(), { timeout: 15_000 })
        .toContain('deploy checkout v2.14.0 by ci');
      await screenshot(page, 'demo-alerts');
      // The flapping HTTP probe is a real probe against a real local server: it fires.
      await expect.poll(() => page.locator('main.content').textContent(), { timeout: 30_000 }).toContain('Probe shop-frontend is down');
    } catch (e) {
      await screenshot(browser.page, 'demo-failed');
      throw e;
    } finally {
      await browser.close();
    }

    // Nothing was written where the user's own Vigil keeps its data.
    expect(existsSync(userDataDir)).toBe(false);
    expect(readdirSync(home).sort()).toEqual([]);
    const code = await new Promise<number | null>((done) => {
      proc!.once('exit', (c) => done(c));
      proc!.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(existsSync(demoDir)).toBe(false);
  }, 120_000);
});
