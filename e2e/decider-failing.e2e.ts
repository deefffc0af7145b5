import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { consoleRig, drained, postEvents } from './pages/setup';

const rig = consoleRig();

/**
 * The built `vigil serve` (decider thread) with a real fault on the deciding path only: a trigger, made by another
 * process on the same file, that fails every insert of a decided event with last session's error. What a person
 * sees on the Overview in Chromium, and what /metrics says, while intake is not decided and after.
 */
describe('a decider that fails, on the status page', () => {
  it('R-SCALE-8: the Router inbox tile says intake is not being decided, since when, why and what waits; /metrics says so; both clear once it decides again', async () => {
    const db = new BetterSqlite3(join(rig.vigil.dataDir, 'vigil.db'));
    db.exec(`CREATE TRIGGER test_fault BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'database disk image is malformed'); END`);
    const ids = await postEvents(
      rig.vigil,
      ['ApiDown', 'DiskFull', 'QueueStuck'].map((name) => ({ source: 'app', severity: 'critical' as const, summary: `${name} on web1` })),
    );
    const ui = new ConsolePage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await ui.goto('Overview');
    const tile = ui.tiles.filter({ has: rig.browser.page.getByRole('heading', { name: 'Router inbox' }) });
    await expect.poll(() => tile.getAttribute('aria-label'), { timeout: 30_000, interval: 200 }).toBe('Router inbox: critical');
    const text = (await tile.textContent())!;
    expect(text).toMatch(/intake is not being decided on the decider thread since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(text).toContain('database disk image is malformed; 3 acknowledged events wait in the inbox');
    expect(await tile.locator('.tile-value').textContent()).toBe('3');
    expect(await ui.worstStatus.textContent()).toContain('CRITICAL');
    expect(await (await rig.vigil.api('/metrics')).text()).toMatch(/^vigil_router_deciding_failing 1$/m);
    // The self-checks agree: the router queue is short, but nothing in it moves.
    const run = await rig.vigil.rpc<{ results: Array<{ check: string; status: string; reason: string }> }>('smoke.run');
    expect(run.results.find((r) => r.check === 'router_queue')).toMatchObject({ status: 'critical' });
    expect(run.results.find((r) => r.check === 'router_queue')!.reason).toContain('database disk image is malformed');
    const selfChecks = ui.tiles.filter({ has: rig.browser.page.getByRole('heading', { name: 'Self-checks' }) });
    await expect.poll(() => selfChecks.getAttribute('aria-label'), { timeout: 15_000, interval: 200 }).toBe('Self-checks: critical');
    await screenshot(rig.browser.page, 'decider-failing');

    db.exec(`DROP TRIGGER test_fault`);
    db.close();
    await drained(rig.vigil, ids); // the next retry (every 5 s) decides them
    await expect.poll(() => tile.getAttribute('aria-label'), { timeout: 30_000, interval: 200 }).toBe('Router inbox: ok');
    expect(await tile.textContent()).toContain('empty: every acknowledged event is processed; decided on the decider thread');
    expect(await (await rig.vigil.api('/metrics')).text()).toMatch(/^vigil_router_deciding_failing 0$/m);
    await expect
      .poll(() => rig.hook.shown.map((d) => d.body.message.title).sort(), { timeout: 30_000 })
      .toEqual(['CRITICAL: ApiDown on web1', 'CRITICAL: DiskFull on web1', 'CRITICAL: QueueStuck on web1']);
    expect(rig.hook.delivered).toHaveLength(3);
    await screenshot(rig.browser.page, 'decider-recovered');
  });
});
