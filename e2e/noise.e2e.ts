import { describe, expect, it } from 'vitest';
import { ConsolePage } from './pages/console';
import { EventsPage } from './pages/events';
import { consoleRig, drained, hookConfig, postEvents, type TestEvent } from './pages/setup';

const rig = consoleRig((u) => hookConfig(u, ['router: { groupWindow: 2s }']));
const disk = (host: string): TestEvent => ({
  source: 'app',
  severity: 'critical',
  summary: `Disk full on ${host}`,
  labels: { alertname: 'DiskFull', instance: host },
});

describe('signal over noise through vigil serve', () => {
  it('R-NOISE-1/5: the first alert goes out at once, later members as one update; the console shows which rule held one back and what it would have sent', async () => {
    const [first] = await postEvents(rig.vigil, [disk('web1')]);
    await drained(rig.vigil, [first!]);
    await expect.poll(() => rig.hook.shown.map((d) => d.body.message.title), { timeout: 5_000 }).toEqual(['CRITICAL: Disk full on web1']);
    const held = await postEvents(rig.vigil, [disk('web2'), disk('web3')]);
    await drained(rig.vigil, held);
    await expect
      .poll(() => rig.hook.shown.map((d) => d.body.message.title), { timeout: 10_000 })
      .toEqual(['CRITICAL: Disk full on web1', 'CRITICAL: DiskFull +2 more on web2, web3']);

    const why = await rig.vigil.rpc<{
      notified: boolean;
      heldBy: Array<{ stage: string }>;
      channels: string[];
      message: { title: string };
    }>('events.wouldHaveSent', { id: held[0] });
    expect(why).toMatchObject({
      notified: false,
      heldBy: [{ stage: 'group' }],
      channels: ['ops-hook'],
      message: { title: 'CRITICAL: Disk full on web2' },
    });

    const ui = new ConsolePage(rig.browser.page);
    const ev = new EventsPage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await rig.browser.page.evaluate(`location.hash = '#/events/${held[0]!}'`);
    const panel = ev.detail.getByTestId('would-have-sent');
    await expect.poll(() => panel.textContent(), { timeout: 10_000 }).toContain('joins group alertname=DiskFull');
    expect(await panel.textContent()).toContain('CRITICAL: Disk full on web2');
    expect(await panel.textContent()).toContain('ops-hook');
  });
});
