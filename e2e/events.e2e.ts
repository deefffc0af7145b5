import { beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from './fixtures/browser';
import { ConsolePage } from './pages/console';
import { EventsPage, SilencesPage } from './pages/events';
import { consoleRig, drained, hookConfig, postEvents, type TestEvent } from './pages/setup';

const services = ['api', 'db', 'cache'];
const severities = ['info', 'warning', 'critical'] as const;
// 30 distinct alerts: severity and service rotate so each filter has a known answer.
const seed: TestEvent[] = Array.from({ length: 30 }, (_, i) => ({
  source: i % 5 === 0 ? 'probe' : 'app',
  severity: severities[i % 3]!,
  summary: `${services[i % 3]} check ${i} ${i === 7 ? 'disk nearly full' : 'latency high'}`,
  labels: { service: services[i % 3]!, instance: `node-${i}` },
  description: i === 7 ? '/var is 93% full on node-7' : undefined,
}));

const rig = consoleRig((u) =>
  hookConfig(u, [
    'mutes:',
    '  - { name: always-batch, weekdays: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00", match: { team: batch } }',
    '  - { name: weekend-maintenance, weekdays: [sat], start: "02:00", end: "03:00", match: { service: db } }',
  ]),
);
beforeAll(async () => {
  await drained(rig.vigil, await postEvents(rig.vigil, seed));
});

describe('Events and Silences pages against vigil serve', () => {
  it('R-UI: the Events list shows what the intake stored, newest first, and filters by severity, label and text', async () => {
    const ui = new ConsolePage(rig.browser.page);
    const ev = new EventsPage(rig.browser.page);
    await ui.open(rig.vigil.url);
    await ui.goto('Events');
    await expect.poll(() => ev.meta.textContent()).toContain('30 events');
    expect((await ev.summaries())[0]).toBe(seed[29]!.summary);
    expect(await ev.rows.count()).toBe(30);

    await ev.severity('critical').check();
    await expect.poll(() => ev.meta.textContent()).toContain('10 events');
    expect(new Set(await ev.severities())).toEqual(new Set(['critical']));
    await ev.severity('critical').uncheck();

    await ev.filterLabel('service=db');
    await expect.poll(() => ev.meta.textContent()).toContain('10 events');
    expect((await ev.summaries()).every((s) => s.startsWith('db '))).toBe(true);
    await ev.filterLabel('');

    await ev.search('disk nearly');
    await expect.poll(() => ev.summaries()).toEqual([seed[7]!.summary]);
    await ev.search('');
    await expect.poll(() => ev.meta.textContent()).toContain('30 events');
    await screenshot(rig.browser.page, 'events-list');
  });

  it('R-UI: a new event appears at the top without a reload (changed push), and the rows being read stay in place', async () => {
    const ev = new EventsPage(rig.browser.page);
    // Read from row 6 down: an arriving event must not move what is being read.
    await ev.grid.evaluate((el) => void ((el as unknown as { scrollTop: number }).scrollTop = 170));
    await postEvents(rig.vigil, [
      { source: 'app', severity: 'critical', summary: 'payments queue stalled', labels: { service: 'payments' } },
    ]);
    await expect.poll(() => ev.meta.textContent(), { timeout: 10_000 }).toContain('31 events');
    expect(await ev.grid.evaluate((el) => (el as unknown as { scrollTop: number }).scrollTop)).toBe(170 + 34);
    await ev.grid.evaluate((el) => void ((el as unknown as { scrollTop: number }).scrollTop = 0));
    await expect.poll(() => ev.summaries().then((s) => s[0])).toBe('payments queue stalled');
  });

  it('R-UI: j/k and Enter open an event; the detail shows the trace, triage and counters from the core', async () => {
    const ev = new EventsPage(rig.browser.page);
    await ev.grid.focus();
    await rig.browser.page.keyboard.press('Home');
    await rig.browser.page.keyboard.press('j');
    await rig.browser.page.keyboard.press('j');
    await rig.browser.page.keyboard.press('k');
    await rig.browser.page.keyboard.press('Enter');
    // Row 2 (index 1) is the newest of the seed: check 29.
    await expect.poll(() => ev.detail.getByRole('heading', { level: 2 }).textContent()).toContain(seed[29]!.summary);
    const id = decodeURIComponent(rig.browser.page.url().split('#/events/')[1]!);
    const core = await rig.vigil.rpc<{ trace: { stage: string }[]; triage: { agent: string } | null; counters: { count: number } | null }>(
      'events.get',
      { id },
    );
    const stages = await ev.detail.getByTestId('trace').locator('tbody tr td:nth-child(2)').allTextContents();
    expect(stages).toEqual(core.trace.map((t) => t.stage));
    expect(stages.length).toBeGreaterThan(2);
    // The route's decision is not a delivery: the detail never says "sent to" (issue 14 item 3, R-STATUS-1).
    expect(await ev.detail.textContent()).not.toContain('sent to');
    if (core.triage)
      expect(await ev.detail.getByTestId('triage').textContent()).toContain(core.triage.agent === 'hermes' ? 'Hermes' : 'NemoTron');
    if (core.counters)
      expect(await ev.detail.getByTestId('counters').textContent()).toContain(
        core.counters.count === 1 ? 'once' : `${core.counters.count} times`,
      );
    await screenshot(rig.browser.page, 'event-detail');
    await rig.browser.page.keyboard.press('Escape');
    await expect.poll(() => ev.detail.count()).toBe(0);
  });

  it('R-UI: arriving from the navigation the keyboard is already on the list: Home and Enter open the newest event', async () => {
    const ui = new ConsolePage(rig.browser.page);
    const ev = new EventsPage(rig.browser.page);
    await ui.goto('Overview');
    await ui.goto('Events');
    await expect.poll(() => ev.summaries().then((s) => s.length)).toBeGreaterThan(0);
    const newest = (await ev.summaries())[0]!;
    await rig.browser.page.keyboard.press('Home');
    await rig.browser.page.keyboard.press('Enter');
    await expect.poll(() => ev.detail.getByRole('heading', { level: 2 }).textContent()).toContain(newest);
    await rig.browser.page.keyboard.press('Escape');
    await expect.poll(() => ev.detail.count()).toBe(0);
  });

  it('R-UI: "Create silence from this event" prefills its labels; the preview shows what it would match; create and expire', async () => {
    const ev = new EventsPage(rig.browser.page);
    const si = new SilencesPage(rig.browser.page);
    await ev.search('disk nearly');
    await expect.poll(() => ev.rows.count()).toBe(1);
    await ev.rows.first().click();
    await ev.detail.getByRole('button', { name: 'Create silence from this event' }).click();
    await rig.browser.page.getByRole('heading', { level: 1, name: 'Silences' }).waitFor();
    expect(await si.matcherName(1).inputValue()).toBe('source');
    expect(await si.matcherValue(1).inputValue()).toBe('app');
    // Exactly this event matches its own labels (instance is unique).
    await expect.poll(() => si.preview.textContent()).toMatch(/Would match 1 of the last 31 stored events/);
    // Loosen it with a regex: every db event of source app.
    await rig.browser.page.getByRole('button', { name: 'Remove matcher 3' }).click(); // instance
    await si.matcherOp(2).selectOption('=~');
    await si.matcherValue(2).fill('d.*');
    const expected = seed.filter((e) => e.source === 'app' && e.labels!.service === 'db').length;
    await expect.poll(() => si.preview.textContent()).toMatch(new RegExp(`Would match ${expected} of`));
    await si.matcherValue(2).fill('(');
    await expect.poll(() => si.preview.textContent()).toMatch(/not a valid regular expression/);
    await si.matcherValue(2).fill('db');
    await si.create('disk work on db nodes');
    await expect.poll(() => rig.browser.page.getByRole('status').filter({ hasText: 'Silence ' }).count()).toBe(1);
    const row = si.list.getByRole('row').filter({ hasText: 'disk work on db nodes' });
    await expect.poll(() => row.textContent()).toContain('active');
    const stored = await rig.vigil.rpc<{ matchers: unknown[]; state: string; createdBy: string }[]>('silences.list', {});
    expect(stored[0]!.createdBy).toBe('admin');
    expect(stored[0]!.matchers).toEqual([
      { name: 'source', op: '=', value: 'app' },
      { name: 'service', op: '=~', value: 'db' },
    ]);
    // The mute windows come from the config; the all-week one is active now.
    expect(await si.muteWindows.getByRole('row').filter({ hasText: 'always-batch' }).textContent()).toContain('active now');
    expect(await si.muteWindows.getByRole('row').filter({ hasText: 'weekend-maintenance' }).textContent()).toContain('inactive');
    await screenshot(rig.browser.page, 'silences');
    await row.getByRole('button', { name: /Expire silence/ }).click();
    await expect.poll(() => si.list.count()).toBe(0);
    expect((await rig.vigil.rpc<{ state: string }[]>('silences.list', { includeExpired: true }))[0]!.state).toBe('expired');
  });
});
