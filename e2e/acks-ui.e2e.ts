import { describe, expect, it } from 'vitest';
import type { AckInfo } from '../src-shared/api/acks';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { EventsPage } from './pages/events';
import { consoleRig, drained, postEvents } from './pages/setup';

/** Critical alerts go to the webhook and escalate to it after 10 s unless acknowledged. */
const rig = consoleRig((u) =>
  [
    `channels: [ { name: ops-hook, type: webhook, url: "${u}" } ]`,
    'routes:',
    '  - { match: { severity: critical }, channels: [ops-hook], escalate: [ { after: 10s, channels: [ops-hook] } ] }',
    '  - { channels: [ops-hook] }',
  ].join('\n'),
);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const escalations = () => rig.hook.shown.filter((d) => d.body.message.kind === 'escalation').map((d) => d.body.message.title);

describe('acknowledge in the console (R-ROUTE-8, R-NOTIFY-5)', () => {
  it('R-ROUTE-8: acknowledging in the event detail records who and the note and stops the escalation; an unacknowledged one escalates and says so', async () => {
    const [acked, ignored] = await postEvents(rig.vigil, [
      { source: 'app', severity: 'critical', summary: 'db primary disk 95%', labels: { alertname: 'DiskFull', instance: 'db1' } },
      { source: 'app', severity: 'critical', summary: 'cache evictions storm', labels: { alertname: 'Evictions', instance: 'cache1' } },
    ]);
    await drained(rig.vigil, [acked!, ignored!]);
    const ui = new ConsolePage(rig.browser.page);
    const ev = new EventsPage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await ui.goto('Events');
    await expect.poll(() => ev.summaries()).toContain('db primary disk 95%');
    await ev.rows.filter({ hasText: 'db primary disk 95%' }).first().click();
    const panel = ev.detail.getByTestId('ack-panel');
    await expect.poll(() => panel.textContent()).toContain('not acknowledged');
    // R-PEOPLE-1: signed in, no name is asked for (the core records the session's person anyway).
    expect(await panel.getByLabel('Your name').count()).toBe(0);
    await panel.getByLabel('Note').fill('failing over to db2');
    await panel.getByRole('button', { name: 'Acknowledge' }).click();
    // R-PEOPLE-2: the person behind the server's token (admin).
    await expect.poll(() => panel.textContent()).toContain('acknowledged by admin (console)');
    expect(await panel.getByTestId('ack-history').textContent()).toContain('failing over to db2');

    // Past the 10 s step: only the alert nobody acknowledged is escalated.
    await expect.poll(escalations, { timeout: 20_000 }).toEqual(['ESCALATED (step 1): CRITICAL: cache evictions storm']);
    await sleep(1_000);
    expect(escalations()).toHaveLength(1);
    const fp = (await rig.vigil.rpc<{ fingerprint: string }>('events.get', { id: acked! })).fingerprint;
    const info = await rig.vigil.rpc<AckInfo>('alerts.ackInfo', { fingerprint: fp });
    expect(info).toMatchObject({
      acknowledged: true,
      escalated: false,
      ack: { by: 'admin', via: 'console', note: 'failing over to db2' },
      escalations: [{ state: 'cancelled', cancelReason: 'acknowledged' }],
    });
    await screenshot(rig.browser.page, 'event-acknowledged');

    // The other alert's detail shows that it was escalated.
    await ev.detail.getByRole('button', { name: 'Close event detail' }).click();
    await ev.rows.filter({ hasText: 'cache evictions storm' }).first().click();
    await expect.poll(() => ev.detail.getByTestId('ack-panel').textContent()).toContain('escalated');
    expect(await ev.detail.getByTestId('escalations').textContent()).toContain('ops-hook');
  }, 60_000);
});
