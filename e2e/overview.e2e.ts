import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { OverviewPage } from './pages/panels';
import { consoleRig, drained, postEvents } from './pages/setup';

const rig = consoleRig();

describe('Overview against vigil serve', () => {
  it('R-UI: status tiles worst first, the smoke trend and event rate charts, outbox health, pending approvals and the firing groups come from the core (R-ALERT-4)', async () => {
    const severities = ['critical', 'warning', 'info'] as const;
    const ids = await postEvents(
      rig.vigil,
      Array.from({ length: 12 }, (_, i) => ({
        source: 'app',
        severity: severities[i % 3]!,
        summary: `overview event ${i}`,
        labels: { n: String(i) },
      })),
    );
    await drained(rig.vigil, ids);
    await rig.vigil.rpc('smoke.run');
    const ui = new ConsolePage(rig.browser.page);
    const ov = new OverviewPage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await expect.poll(() => ui.connection.textContent()).toBe('connected');
    // Something fires, so the console lands on Alerts (R-ALERT-4); the self-checks live on the Overview.
    await rig.browser.page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    await ui.goto('Overview');

    // Tiles are ordered worst first, as the core sorted them.
    const rank = { critical: 0, warning: 1, ok: 2 } as Record<string, number>;
    const tileStates = (await ui.tiles.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))).map((l) =>
      l.split(': ').pop()!,
    );
    expect(tileStates.length).toBeGreaterThan(2);
    expect(tileStates.map((s) => rank[s])).toEqual([...tileStates.map((s) => rank[s]!)].sort((a, b) => a - b));

    // Event rate: the count in the header is the sum of the core's buckets, and the chart has drawn areas.
    const stats = await rig.vigil.rpc<{ points: { info: number; warning: number; critical: number }[] }>('events.stats', {});
    const total = stats.points.reduce((n, p) => n + p.info + p.warning + p.critical, 0);
    expect(total).toBe(12);
    await expect.poll(() => ov.eventRate.textContent()).toContain('12 events');
    // The current minute holds all 12: one stacked bar per severity.
    await expect.poll(() => ov.marks(ov.eventRate).count()).toBe(3);

    // Smoke trend: one run of six checks is drawn as bars.
    await expect.poll(() => ov.marks(ov.smokeTrend).count()).toBeGreaterThan(0);

    // Outbox health: the webhook channel with its state from outbox.channels.
    const ch = await rig.vigil.rpc<{ channels: { name: string; state: string; backlog: number }[] }>('outbox.channels');
    const hookHealth = ch.channels.find((c) => c.name === 'ops-hook')!;
    await expect.poll(() => ov.rows('Channel health').then((r) => r.find((x) => x[0] === 'ops-hook')?.[1])).toBe(hookHealth.state);
    expect(await ov.queues.getByTestId('embedding-queue').textContent()).toMatch(/Embedding queue \(none\)/);

    // Heal approvals and plans waiting at a wait_for_approval step: both wait for a person.
    const approvals = await rig.vigil.rpc<{ approvals: unknown[] }>('approvals.list');
    const plans = await rig.vigil.rpc<{ items: unknown[] }>('plans.approvals', {});
    await expect.poll(() => ov.approvals.locator('strong').textContent()).toBe(String(approvals.approvals.length + plans.items.length));
    // Firing now: the core's alert groups with their counts (R-ALERT-4); the 12 have no alertname, so they are one group.
    const groups = await rig.vigil.rpc<{ alerts: unknown[] }[]>('alerts.groups', {});
    expect(groups.map((g) => g.alerts.length)).toEqual([12]);
    await expect.poll(() => ov.panel('firing-now').locator('li').count()).toBe(1);
    expect(await ov.panel('firing-now').locator('li').first().textContent()).toMatch(/12 alerts.*12 unacknowledged/);
    await screenshot(rig.browser.page, 'overview-charts');
  });
});
