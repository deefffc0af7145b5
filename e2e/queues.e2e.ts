import { describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { QueuesPage } from './pages/panels';
import { consoleRig, drained, postEvents } from './pages/setup';

interface Channel {
  name: string;
  state: string;
  backlog: number;
  lastError: string | null;
}
const channel = async () => (await rig.vigil.rpc<{ channels: Channel[] }>('outbox.channels')).channels.find((c) => c.name === 'ops-hook')!;

const rig = consoleRig();

describe('Queues page against vigil serve and a real webhook receiver', () => {
  it('R-UI: a failing channel shows its backlog and error; expire one message, retry now after recovery, digest preview', async () => {
    await rig.hook.goDown();
    const ids = await postEvents(
      rig.vigil,
      Array.from({ length: 4 }, (_, i) => ({
        source: 'app',
        severity: 'critical' as const,
        summary: `queue test ${i}`,
        labels: { alertname: `QueueTest${i}` },
      })),
    );
    await drained(rig.vigil, ids);
    await expect.poll(async () => (await channel()).state, { timeout: 15_000 }).toBe('failing');

    const ui = new ConsolePage(rig.browser.page);
    const q = new QueuesPage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await ui.goto('Queues');
    await expect.poll(() => q.channelRow('ops-hook').textContent()).toContain('failing');
    // The page shows the core's backlog; Vigil's own "channel failed" event may join it meanwhile, so compare live values.
    await expect.poll(async () => (await q.rows('Channels'))[0]![2] === String((await channel()).backlog), { timeout: 15_000 }).toBe(true);
    const health = await channel();
    const cells = (await q.rows('Channels'))[0]!;
    // Four alerts, and on a slow run also Vigil's own "channel ops-hook failed" event (after three failed attempts).
    expect(health.backlog).toBeGreaterThanOrEqual(4);
    expect(cells[7]).toBe(health.lastError);

    // The digest preview is the core's: a webhook never digests (R-NOTIFY-2), and the backlog is under the default threshold of 20.
    await q.button('Digest preview for ops-hook').click();
    await expect.poll(() => q.digest.textContent()).toMatch(/Backlog [45], digest threshold 20/);
    expect(await q.digest.textContent()).toContain('messages would be sent one by one');
    await screenshot(rig.browser.page, 'queues-failing');
    await q.button('Close preview').click();

    // Expire the oldest pending message: it is kept, marked expired.
    await q.filterState('pending');
    const list = await rig.vigil.rpc<{ items: { id: number; state: string }[] }>('outbox.list', { channel: 'ops-hook', state: 'pending' });
    const oldest = list.items[list.items.length - 1]!;
    await q.button(`Expire message ${oldest.id}`).click();
    await expect
      .poll(async () =>
        (await rig.vigil.rpc<{ items: { id: number; state: string }[] }>('outbox.list', { state: 'expired' })).items.map((i) => i.id),
      )
      .toEqual([oldest.id]);
    // The page shows exactly the pending messages the core holds (the oldest one is gone from it). Both are read on
    // each look: Vigil's own "channel ops-hook failed" event may be queued meanwhile (the core's list read once, before
    // the polling, then never matched the page once it had joined).
    const pendingTitles = async () =>
      (await rig.vigil.rpc<{ items: { title: string }[] }>('outbox.list', { state: 'pending' })).items.map((i) => i.title);
    const pageMatchesCore = async () => {
      const [rows, titles] = [(await q.rows('Outbox messages')).map((r) => r[3]!), await pendingTitles()];
      return rows.length === titles.length && titles.every((t, i) => rows[i]!.includes(t)) ? 'same' : { page: rows, core: titles };
    };
    await expect.poll(pageMatchesCore).toBe('same');
    expect((await q.rows('Outbox messages')).some((r) => r[3]!.includes('queue test 0'))).toBe(false);

    // The receiver comes back; "Retry now" skips the backoff and the backlog drains.
    await rig.hook.comeBack();
    await q.button('Retry ops-hook now').click();
    await expect.poll(() => q.status.filter({ hasText: 'retried now' }).count()).toBe(1);
    await expect.poll(async () => (await channel()).backlog, { timeout: 15_000 }).toBe(0);
    await expect.poll(() => q.channelRow('ops-hook').textContent()).toMatch(/ok/);
    await q.filterState('');
    const all = await rig.vigil.rpc<{ items: { state: string; title: string }[] }>('outbox.list', {});
    const sent = all.items.filter((i) => i.state === 'sent' || i.state === 'digested');
    // Everything but the expired message reached the receiver, once each.
    expect(all.items.filter((i) => i.state === 'expired').map((i) => i.title)).toEqual(['CRITICAL: queue test 0']);
    expect(rig.hook.shown.map((d) => d.body.message.title).sort()).toEqual(
      expect.arrayContaining(['CRITICAL: queue test 1', 'CRITICAL: queue test 2', 'CRITICAL: queue test 3']),
    );
    expect(sent.length).toBe(all.items.length - 1);
    await expect
      .poll(() => q.rows('Outbox messages').then((r) => r.map((c) => c[2]!.replace(/in digest.*/, '')).sort()))
      .toEqual(all.items.map((i) => i.state).sort());
    expect(await q.panel('embedding-queue').textContent()).toContain('Provider none');
    // No provider: entries are found by keywords, never shown as "pending" for ever (issue 14 item 3, R-STATUS-1).
    expect(await q.panel('embedding-queue').textContent()).toContain('memory is searched by keywords');
    await screenshot(rig.browser.page, 'queues-recovered');
  });
});
