import { afterEach, describe, expect, it } from 'vitest';
import { noiseHandlers } from './api';
import { bed, closeBeds, fire, heldBy, hosts, outcomes, resolve } from './testing';

afterEach(closeBeds);

describe('R-NOISE-2 flapping', () => {
  it('R-NOISE-2: an alert changing state more than flapThreshold times is one "flapping" notice, nothing per transition, then one summary when it settles', async () => {
    const b = bed();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push(...(await b.send(i % 2 ? resolve('LinkDown', 'sw1') : fire('LinkDown', 'sw1'))));
      b.h.clock.advance(10_000);
    }
    const titles = b.sent().map((m) => `${m.kind}: ${m.title}`);
    expect(titles).toEqual(['alert: WARNING: LinkDown on sw1', 'flapping: FLAPPING: LinkDown on sw1']);
    expect(b.sent()[1]!.body).toMatch(/^5 state changes within 5m/);
    const later = outcomes(b, ids.slice(6));
    expect(later.every((o) => o === 'flapping')).toBe(true);
    expect(heldBy(b, ids[10]!).at(-1)).toMatchObject({ stage: 'flap', detail: expect.stringContaining('held') });
    b.h.clock.advance(5 * 60_000);
    const settled = b.sent().at(-1)!;
    expect(b.sent()).toHaveLength(3);
    expect(settled.kind).toBe('flapping');
    expect(settled.title).toBe('SETTLED: LinkDown on sw1 (now resolved, flapped 19 times)');
    expect(settled.body).toContain('Current state: resolved');
    // Settled as resolved and told so: the next firing notifies again.
    b.h.clock.advance(60_000);
    await b.send(fire('LinkDown', 'sw1'));
    expect(b.sent().at(-1)!.title).toBe('WARNING: LinkDown on sw1');
  });

  it('R-NOISE-2: a few state changes below the threshold are not flapping (each resolution still reported)', async () => {
    const b = bed();
    for (let i = 0; i < 4; i++) {
      await b.send(i % 2 ? resolve('LinkDown', 'sw2') : fire('LinkDown', 'sw2'));
      b.h.clock.advance(60_000);
    }
    expect(b.sent().map((m) => m.kind)).toEqual(['alert', 'resolved', 'alert', 'resolved']);
    expect(b.sent()[1]!.title).toBe('RESOLVED: LinkDown on sw2'); // a one-alert group resolves like the alert itself
  });
});

describe('R-NOISE-3 bursts', () => {
  it('R-NOISE-3: hundreds of hosts firing the same alert is ONE burst message with its scope (no group update per host), and one resolution', async () => {
    const b = bed();
    const fleet = hosts(300);
    for (let i = 0; i < fleet.length; i += 30) {
      await b.send(...fleet.slice(i, i + 30).map((h) => fire('DeployCheckFailed', h)));
      b.h.clock.advance(1_000);
    }
    b.h.clock.advance(30_000);
    // The first message names the 30 alerts of its batch, which the burst took (R-NOTIFY-13); the report names all.
    expect(b.sent().map((m) => m.title)).toEqual([
      'WARNING: fleet-wide DeployCheckFailed — 30 alerts on web001, web002, web003 … +27 more',
      'WARNING: fleet-wide DeployCheckFailed on 300 hosts',
    ]);
    expect(b.sent()[0]!.body).toContain('30 alerts of a fleet-wide DeployCheckFailed burst so far (one report follows): web001, web002');
    expect(b.sent()[1]!.body).toContain(
      'Hosts: web001, web002, web003, web004, web005, web006, web007, web008, web009, web010 … +290 more',
    );
    for (let i = 0; i < fleet.length; i += 50) await b.send(...fleet.slice(i, i + 50).map((h) => resolve('DeployCheckFailed', h)));
    b.h.clock.advance(30_000);
    expect(b.sent()).toHaveLength(3);
    expect(b.sent()[2]!.title).toBe('RESOLVED: fleet-wide DeployCheckFailed on 300 hosts (lasted 40s)');
  });

  it('R-SCALE-44, R-NOISE-3: alertnames that never reached the burst threshold leave no watch (and its members) behind once their starts are older than the window; a burst still opens across the sweep', async () => {
    const b = bed();
    const { watches } = b.noise.book;
    // 200 rules with 5 hosts each: below burstThreshold (20), so each alertname's starts are watched.
    for (let r = 0; r < 200; r++) await b.send(...hosts(5).map((h) => fire(`Quiet${r}`, h)));
    expect(watches.size).toBe(200);
    b.h.clock.advance(40_000);
    await b.send(...hosts(19, 'db').map((h) => fire('Slow', h)));
    // 61 s on, the quiet ones' starts are all outside the 60 s window; Slow's started 21 s before.
    b.h.clock.advance(21_000);
    await b.send(fire('Fresh', 'web001'));
    expect([...watches.keys()]).toEqual(['Slow', 'Fresh']);
    expect(watches.get('Slow')!.starts).toHaveLength(19);
    // The 20th distinct host of Slow within its window: the burst opens with the 19 watched starts.
    await b.send(fire('Slow', 'db020'));
    expect(watches.has('Slow')).toBe(false);
    expect(b.noise.book.bursts.get('Slow')?.size).toBe(20);
    b.h.clock.advance(30_000);
    expect(b.sent().at(-1)!.title).toBe('WARNING: fleet-wide Slow on 20 hosts');
  });

  it('R-NOISE-3: a burst that fires and resolves within seconds is still reported once, as resolved with its size and duration', async () => {
    const b = bed();
    const fleet = hosts(250, 'node');
    await b.send(...fleet.map((h) => fire('KernelOops', h)));
    b.h.clock.advance(3_000);
    const ids = await b.send(...fleet.map((h) => resolve('KernelOops', h)));
    expect(outcomes(b, ids).every((o) => o === 'burst')).toBe(true);
    b.h.clock.advance(120_000);
    expect(b.sent().map((m) => m.title)).toEqual([
      'WARNING: fleet-wide KernelOops — 250 alerts on node001, node002, node003 … +247 more',
      'RESOLVED: fleet-wide KernelOops on 250 hosts (lasted 3s)',
    ]);
    expect(b.sent()[1]!.body).toContain("It resolved before its firing report was due: this is the burst's only report.");
  });

  it('R-NOISE-3: the burst message reaches every channel its hosts would have (a critical host pages)', async () => {
    const b = bed();
    await b.send(...hosts(25).map((h, i) => fire('DiskIO', h, { severity: i === 2 ? 'critical' : 'warning' })));
    b.h.clock.advance(30_000);
    const burst = b.outbox.sent().filter((s) => s.message.kind === 'burst');
    expect(burst.map((s) => s.channel).sort()).toEqual(['desktop', 'pager']);
    expect(burst[0]!.message).toMatchObject({ severity: 'critical', title: 'CRITICAL: fleet-wide DiskIO on 25 hosts' });
  });

  it('R-NOISE-3: fewer hosts than burstThreshold stay an ordinary group', async () => {
    const b = bed();
    await b.send(...hosts(19).map((h) => fire('NtpDrift', h)));
    b.h.clock.advance(30_000);
    // One batch: the group's first message names all 19 (no burst report, no update).
    expect(b.sent().map((m) => `${m.kind} ${m.title}`)).toEqual([
      'alert WARNING: NtpDrift — 19 alerts on web001, web002, web003 … +16 more',
    ]);
  });
});

describe('R-NOISE-4/5/6', () => {
  it('R-NOISE-4: info events are stored and visible but notify nobody, even as a fleet-wide wave', async () => {
    const b = bed();
    const ids = await b.send(...hosts(40).map((h) => fire('ConfigReloaded', h, { severity: 'info' })));
    b.h.clock.advance(120_000);
    expect(b.sent()).toEqual([]);
    expect(outcomes(b, ids).every((o) => o === 'stored')).toBe(true);
    expect(b.router.events.list({ limit: 100, severity: ['info'] }).items).toHaveLength(40);
  });

  it('R-NOISE-5: the trace names the rule that held each notification back, and wouldHaveSent shows the message and channels', async () => {
    const b = bed();
    const [first] = await b.send(fire('DiskFull', 'a'));
    const [grouped] = await b.send(fire('DiskFull', 'b'));
    const [deduped] = await b.send(fire('DiskFull', 'a'));
    const api = noiseHandlers(b.h.ctx, b.router);
    const g = api['events.wouldHaveSent']({ id: grouped! }) as Awaited<ReturnType<(typeof api)['events.wouldHaveSent']>>;
    expect(g).toMatchObject({
      notified: false,
      outcome: 'grouped',
      channels: ['desktop'],
      message: { kind: 'alert', title: 'WARNING: DiskFull on b' },
    });
    expect(g.heldBy.map((x) => x.stage)).toEqual(['group']);
    const d = api['events.wouldHaveSent']({ id: deduped! }) as typeof g;
    expect(d.heldBy[0]).toMatchObject({ stage: 'dedupe', detail: expect.stringContaining('inside the cooldown') });
    const f = api['events.wouldHaveSent']({ id: first! }) as typeof g;
    expect(f).toMatchObject({ notified: true, heldBy: [] });
    expect(() => api['events.wouldHaveSent']({ id: 'nope' })).toThrow(/no event with id "nope"/);
  });

  it('R-NOISE-5: silences and mutes stay in charge: a silenced member does not join the group', async () => {
    const b = bed();
    await b.send(fire('DiskFull', 'a'));
    b.router.silenceStore.create({
      id: 's1',
      matchers: [{ name: 'instance', op: '=', value: 'b' }],
      startsAt: 0,
      endsAt: b.h.clock.now() + 3_600_000,
      createdBy: 'me',
      comment: 'maintenance',
      createdAt: 0,
      expiredAt: null,
    });
    b.router.silences.refresh();
    const [s] = await b.send(fire('DiskFull', 'b'));
    b.h.clock.advance(60_000);
    expect(b.sent()).toHaveLength(1);
    expect(heldBy(b, s!).map((t) => t.stage)).toEqual(['silence']);
  });

  it('R-NOISE-6: vigil_router_events_total counts grouped, flapping and burst', async () => {
    const b = bed();
    await b.send(fire('A', 'h1'), fire('A', 'h2'));
    await b.send(...hosts(25).map((h) => fire('B', h)));
    for (let i = 0; i < 6; i++) {
      b.h.clock.advance(5_000);
      await b.send(i % 2 ? fire('C', 'h') : resolve('C', 'h'));
    }
    const text = await b.h.ctx.metrics.registry.getSingleMetricAsString('vigil_router_events_total');
    expect(text).toMatch(/source="api",result="grouped"} \d+/);
    expect(text).toMatch(/source="api",result="burst"} \d+/);
    expect(text).toMatch(/source="api",result="flapping"} \d+/);
    expect(Number(/result="burst"} (\d+)/.exec(text)![1])).toBe(6); // hosts 20..25 after detection; 1 is notified, 2..19 grouped first
  });
});
