import { afterEach, describe, expect, it } from 'vitest';
import { createRouter, type IntakeEvent } from '../router';
import type { ExtraStage } from '../pipeline';
import { alertEvent, recordingOutbox, testContext, type TestContext } from '../testing';
import { noiseHandlers } from './api';
import { createNoise } from './index';
import { unpackMember } from './members';

const ctxs: TestContext[] = [];
afterEach(() => ctxs.splice(0).forEach((c) => c.close()));

const YAML = `
router: { groupWindow: 30s, flapThreshold: 4, flapWindow: 5m, burstThreshold: 20, burstWindow: 60s }
channels:
  - { name: desktop, type: desktop }
  - { name: pager, type: webhook, url: "http://127.0.0.1:9/pager" }
routes:
  - { match: { severity: critical }, channels: [pager], continue: true }
  - { match: { team: db }, channels: [desktop], groupBy: [alertname, cluster] }
  - { channels: [desktop] }
`;

/** A router with the noise stages on a real SQLite file and a FakeClock. */
function bed(opts: { dir?: string; extraStages?: ExtraStage[] } = {}) {
  const h = testContext({ yaml: YAML, dir: opts.dir });
  ctxs.push(h);
  const outbox = recordingOutbox(h.db);
  const router = createRouter(h.ctx, { outbox, extraStages: opts.extraStages });
  const noise = createNoise(h.ctx, outbox, router);
  const send = async (...evs: IntakeEvent[]) => {
    const ids = router.ingest(evs, 'test');
    await router.drain();
    return ids;
  };
  const sent = () => outbox.sent().map((s) => s.message);
  return { h, router, noise, send, sent, outbox };
}

/** The same data dir after a crash (the book's timer stopped, the connection closed), its clock where it was. */
function restarted(first: ReturnType<typeof bed>): ReturnType<typeof bed> {
  const at = first.h.clock.now();
  first.noise.book.stop();
  first.h.db.close();
  ctxs.splice(ctxs.indexOf(first.h), 1);
  const again = bed({ dir: first.h.dir });
  ctxs.push(first.h);
  again.h.clock.set(at);
  return again;
}

const fire = (alertname: string, host: string, o: Partial<IntakeEvent> = {}): IntakeEvent =>
  alertEvent({
    fingerprint: `${alertname}/${host}`,
    summary: `${alertname} on ${host}`,
    labels: { alertname, instance: host },
    severity: 'warning',
    ...o,
  });
const resolve = (alertname: string, host: string, o: Partial<IntakeEvent> = {}): IntakeEvent =>
  fire(alertname, host, { status: 'resolved', ...o });
const hosts = (n: number, prefix = 'web') => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);
const outcomes = (b: ReturnType<typeof bed>, ids: string[]) => ids.map((id) => b.router.events.get(id)!.outcome);
const heldBy = (b: ReturnType<typeof bed>, id: string) => b.router.events.get(id)!.trace.filter((t) => t.result === 'held');

describe('R-NOISE-1 grouping', () => {
  it('R-NOISE-1: the first alert of a new group is notified at once, members joining within the window become ONE update naming them', async () => {
    const b = bed();
    await b.send(fire('DiskFull', 'web001'));
    expect(b.sent().map((m) => m.title)).toEqual(['WARNING: DiskFull on web001']); // no group_wait
    const ids: string[] = [];
    for (const host of hosts(12).slice(1)) {
      b.h.clock.advance(2_000);
      ids.push(...(await b.send(fire('DiskFull', host))));
    }
    expect(b.sent()).toHaveLength(1);
    expect(outcomes(b, ids).every((o) => o === 'grouped')).toBe(true);
    b.h.clock.advance(30_000);
    const msgs = b.sent();
    expect(msgs).toHaveLength(2);
    expect(msgs[1]!.kind).toBe('group');
    expect(msgs[1]!.title).toBe('WARNING: DiskFull +11 more on web002, web003, web004 … +8 more');
    expect(msgs[1]!.body).toContain('web002, web003, web004, web005, web006, web007, web008, web009, web010, web011 … +1 more');
    expect(msgs[1]!.body).toContain('Now firing: 12 of 12');
    // Repeats of members are dedupe's business: still no more messages.
    await b.send(fire('DiskFull', 'web005'), fire('DiskFull', 'web001'));
    b.h.clock.advance(60_000);
    expect(b.sent()).toHaveLength(2);
  });

  it('R-NOISE-1: groups follow the route groupBy labels (default alertname): other values open their own group, notified at once', async () => {
    const b = bed();
    await b.send(fire('ReplLag', 'db1', { labels: { alertname: 'ReplLag', instance: 'db1', team: 'db', cluster: 'eu' } }));
    await b.send(fire('ReplLag', 'db2', { labels: { alertname: 'ReplLag', instance: 'db2', team: 'db', cluster: 'us' } }));
    const [held] = await b.send(fire('ReplLag', 'db3', { labels: { alertname: 'ReplLag', instance: 'db3', team: 'db', cluster: 'eu' } }));
    await b.send(fire('HighCPU', 'web1'));
    expect(b.sent().map((m) => m.title)).toEqual(['WARNING: ReplLag on db1', 'WARNING: ReplLag on db2', 'WARNING: HighCPU on web1']);
    expect(heldBy(b, held!)[0]).toMatchObject({
      stage: 'group',
      detail: expect.stringContaining('joins group alertname=ReplLag,cluster=eu (2 alerts)'),
    });
  });

  it('R-NOISE-1: a group never mixes channel sets: critical members (paged via a continue route) group apart from warnings', async () => {
    const b = bed();
    await b.send(fire('Disk', 'a', { severity: 'critical' }), fire('Disk', 'b'));
    const [c] = await b.send(fire('Disk', 'c', { severity: 'critical' }));
    expect(b.outbox.sent().map((s) => `${s.channel} ${s.message.title}`)).toEqual([
      'pager CRITICAL: Disk on a',
      'desktop CRITICAL: Disk on a',
      'desktop WARNING: Disk on b',
    ]);
    b.h.clock.advance(30_000);
    expect(
      b.outbox
        .sent()
        .slice(3)
        .map((s) => `${s.channel} ${s.message.title}`),
    ).toEqual(['pager CRITICAL: Disk +1 more on c', 'desktop CRITICAL: Disk +1 more on c']);
    expect(heldBy(b, c!)[0]!.stage).toBe('group');
  });

  it('R-NOISE-1: an event carrying none of the groupBy labels is not grouped', async () => {
    const b = bed();
    const ev = (fingerprint: string, summary: string, service: string) =>
      alertEvent({ fingerprint, summary, severity: 'warning', labels: { service } });
    await b.send(ev('x', 'queue stalled', 'payments'), ev('y', 'disk slow', 'db'));
    expect(b.sent().map((m) => m.title)).toEqual(['WARNING: queue stalled', 'WARNING: disk slow']);
  });

  it('R-NOISE-1: a group resolves in one message when all members have; a member firing again inside the window withdraws it', async () => {
    const b = bed();
    await b.send(fire('HighCPU', 'a'), fire('HighCPU', 'b'), fire('HighCPU', 'c'));
    b.h.clock.advance(30_000);
    expect(b.sent().map((m) => m.kind)).toEqual(['alert', 'group']);
    const ids = await b.send(resolve('HighCPU', 'a'), resolve('HighCPU', 'b'));
    expect(outcomes(b, ids)).toEqual(['grouped', 'grouped']);
    await b.send(resolve('HighCPU', 'c'));
    b.h.clock.advance(10_000);
    await b.send(fire('HighCPU', 'c')); // back within the window: nothing was said, nothing needs saying
    b.h.clock.advance(60_000);
    expect(b.sent()).toHaveLength(2);
    await b.send(resolve('HighCPU', 'c'));
    b.h.clock.advance(29_000);
    expect(b.sent()).toHaveLength(2);
    b.h.clock.advance(1_000);
    const last = b.sent().at(-1)!;
    expect(b.sent()).toHaveLength(3);
    expect(last).toMatchObject({ kind: 'resolved', status: 'resolved', title: 'RESOLVED: HighCPU — all 3 alerts (a, b, c)' });
    // Resolution told: the next firing is a new incident, notified at once.
    await b.send(fire('HighCPU', 'a'));
    expect(b.sent().at(-1)!.title).toBe('WARNING: HighCPU on a');
  });

  it('R-NOISE-1: a pending batch survives a restart and is sent exactly once', async () => {
    const first = bed();
    await first.send(fire('DiskFull', 'x1'));
    first.h.clock.advance(1_000);
    await first.send(fire('DiskFull', 'x2'), fire('DiskFull', 'x3'));
    expect(first.sent()).toHaveLength(1);
    const again = restarted(first); // a crash before the window ended
    again.h.clock.advance(40_000);
    const msgs = again.sent();
    expect(msgs.map((m) => m.kind)).toEqual(['alert', 'group']);
    expect(msgs[1]!.title).toContain('+2 more on x2, x3');
    again.h.clock.advance(600_000);
    expect(again.sent()).toHaveLength(2);
  });

  it('R-NOISE-1: member rows are stored compactly, and rows written whole before still restore a pending batch', async () => {
    const first = bed();
    await first.send(fire('DiskFull', 'x1'));
    first.h.clock.advance(1_000);
    await first.send(fire('DiskFull', 'x2'), fire('DiskFull', 'x3'));
    const rows = first.h.db.prepare('SELECT owner, fp, body FROM noise_member ORDER BY fp').all() as Array<{
      owner: string;
      fp: string;
      body: string;
    }>;
    expect(rows.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      ['x1', expect.any(String), 'warning', 'DiskFull on x1', 1, expect.any(Number)],
      ['x2', expect.any(String), 'warning', 'DiskFull on x2', 1, expect.any(Number)],
      ['x3', expect.any(String), 'warning', 'DiskFull on x3', 1, expect.any(Number)],
    ]);
    // As an older version wrote them: the whole member object, fingerprint and key names included.
    const put = first.h.db.prepare('UPDATE noise_member SET body = ? WHERE owner = ? AND fp = ?');
    for (const r of rows) put.run(JSON.stringify(unpackMember(r.fp, JSON.parse(r.body))), r.owner, r.fp);
    expect(JSON.parse(rows[1]!.body)).toHaveLength(6);
    const again = restarted(first);
    expect([...again.noise.book.groups.values()][0]!.members.get('DiskFull/x2')).toMatchObject({
      fp: 'DiskFull/x2',
      host: 'x2',
      firing: true,
    });
    again.h.clock.advance(40_000);
    const msgs = again.sent();
    expect(msgs.map((m) => m.kind)).toEqual(['alert', 'group']);
    expect(msgs[1]!.title).toContain('+2 more on x2, x3');
  });

  it('R-NOISE-2/3: a pending burst report and the settle summary of a flapping alert survive a restart', async () => {
    const first = bed();
    await first.send(...hosts(30).map((h) => fire('KernelOops', h)));
    for (let i = 0; i < 6; i++) {
      first.h.clock.advance(4_000);
      await first.send(i % 2 ? fire('LinkDown', 'sw9') : resolve('LinkDown', 'sw9'));
    }
    expect(first.sent().map((m) => m.kind)).toEqual(['alert', 'alert', 'flapping']);
    const again = restarted(first);
    again.h.clock.advance(10 * 60_000);
    expect(
      again
        .sent()
        .slice(3)
        .map((m) => m.title),
    ).toEqual(['WARNING: fleet-wide KernelOops on 30 hosts', 'SETTLED: LinkDown on sw9 (now firing, flapped 5 times)']);
  });
});

describe('R-NOISE durability', () => {
  it('R-NOISE-1: a batch that rolls back leaves no half-applied group behind; its retry groups as if it never failed', async () => {
    let boom = true;
    const explode = {
      name: 'explode',
      always: true,
      run: (ev: { fingerprint: string }) =>
        void (
          ev.fingerprint === 'Disk/z' &&
          boom &&
          ((boom = false),
          (() => {
            throw new Error('disk I/O error');
          })())
        ),
    };
    const b = bed({ extraStages: [{ before: 'outbox', stage: explode }] });
    const ids = b.router.ingest([fire('Disk', 'x'), fire('Disk', 'y'), fire('Disk', 'z')], 'test');
    await b.router.drain(); // deciding at intake rolled back; the batch stayed in the inbox and was processed again
    expect(boom).toBe(false);
    expect(b.router.events.get(ids[2]!)!.trace.filter((t) => t.stage === 'persist')).toHaveLength(1);
    expect(outcomes(b, ids)).toEqual(['notified', 'grouped', 'grouped']);
    b.h.clock.advance(30_000);
    expect(b.sent().map((m) => m.title)).toEqual(['WARNING: Disk on x', 'WARNING: Disk +2 more on y, z']);
  });
});

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
    expect(b.sent().map((m) => m.title)).toEqual([
      'WARNING: DeployCheckFailed on web001',
      'WARNING: fleet-wide DeployCheckFailed on 300 hosts',
    ]);
    expect(b.sent()[1]!.body).toContain(
      'Hosts: web001, web002, web003, web004, web005, web006, web007, web008, web009, web010 … +290 more',
    );
    for (let i = 0; i < fleet.length; i += 50) await b.send(...fleet.slice(i, i + 50).map((h) => resolve('DeployCheckFailed', h)));
    b.h.clock.advance(30_000);
    expect(b.sent()).toHaveLength(3);
    expect(b.sent()[2]!.title).toBe('RESOLVED: fleet-wide DeployCheckFailed on 300 hosts (lasted 40s)');
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
      'WARNING: KernelOops on node001',
      'RESOLVED: fleet-wide KernelOops on 250 hosts (lasted 3s)',
    ]);
    expect(b.sent()[1]!.body).toContain('this is its only message');
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
    expect(b.sent().map((m) => m.kind)).toEqual(['alert', 'group']);
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
