import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../src-main/core/app';
import { FakeClock } from '../src-main/core/clock';
import { parseConfig } from '../src-main/core/config';
import { createLogger } from '../src-main/core/log';
import { openBrowser, SCREENSHOTS, screenshot } from './fixtures/browser';
import { removeDir, startVigil, type Served } from './fixtures/serve';
import { ConsolePage } from './pages/console';
import { writeConfig } from './pages/setup';

/**
 * Sleep and wake in the console (issue 18.6). `vigil serve` has no way to be put to sleep (a server that can be told to
 * stop escalating and go quiet over HTTP is a way to silence paging): the sleep is recorded by an earlier run of the core
 * on the same data dir — the laptop's Vigil, suspended and resumed on its clock — and the console shows what was recorded.
 */
const YAML = `smoke: { enabled: false }\nchannels: [ { name: desk, type: desktop } ]\nroutes: [ { channels: [desk] } ]\n`;
const MIN = 60_000;

/** Today's 02:10–06:45 UTC, or yesterday's when 06:45 has not come yet: always a sleep that ended within 24 h. */
function lastNight(): { from: number; to: number } {
  const d = new Date();
  let from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 2, 10);
  if (from + 275 * MIN > Date.now()) from -= 24 * 60 * MIN;
  return { from, to: from + 275 * MIN };
}

let vigil: Served;
let browser: Awaited<ReturnType<typeof openBrowser>>;
let configFile: string;
const slept = lastNight();
beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-e2e-sleep-'));
  configFile = writeConfig(YAML);
  const clock = new FakeClock(slept.from - MIN);
  const laptop = createCore({ config: parseConfig(YAML), dataDir, clock, log: createLogger(null) });
  await laptop.start();
  clock.advance(MIN);
  await laptop.suspend();
  clock.advance(slept.to - slept.from);
  await laptop.resume();
  await laptop.stop();
  vigil = await startVigil({ dataDir, config: configFile });
  browser = await openBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await vigil?.stop();
  if (vigil) removeDir(vigil.dataDir);
});

describe('sleep and wake in the console', () => {
  it('R-SLEEP-5: the Overview says "asleep from 02:10 to 06:45" from the recorded sleep; R-SLEEP-4: Settings turns the hand-over on in vigil.yaml', async () => {
    const status = await vigil.rpc<{ lastSleep: { from: number; to: number } | null }>('status.get');
    expect(status.lastSleep).toEqual(slept);
    const ui = new ConsolePage(browser.page);
    await ui.open(vigil.url);
    await expect.poll(() => ui.connection.textContent()).toBe('connected');
    await ui.goto('Overview');
    const line = browser.page.getByTestId('last-sleep');
    await line.waitFor();
    // Chromium runs in the machine's zone here (UTC), so the recorded 02:10–06:45 UTC reads as such.
    expect(await line.textContent()).toMatch(/^This machine was asleep from 02:10 to 06:45 UTC \(4 h 35 m\): on waking Vigil reconnected/);
    await screenshot(browser.page, 'overview-asleep');

    await ui.goto('Settings');
    const panel = browser.page.getByTestId('settings-sleep');
    const box = panel.getByRole('checkbox');
    expect(await box.isChecked()).toBe(false);
    await box.click(); // saved to vigil.yaml and reloaded: the box follows the file, not the click
    await expect.poll(() => readFileSync(configFile, 'utf8')).toMatch(/sleep:\s*\n\s+handOverCriticals: true/);
    await expect.poll(() => box.isChecked()).toBe(true);
    await panel.screenshot({ path: join(SCREENSHOTS, 'settings-sleep.png') });
  });
});
