import { afterEach, describe, expect, it } from 'vitest';
import { alertEvent } from '../testing';
import { unpackMember } from './members';
import { bed, closeBeds, fire, heldBy, hosts, outcomes, resolve, restarted } from './testing';

afterEach(closeBeds);

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

  it('R-NOISE-1: alerts of a new group that arrive together (one webhook) are all named in its first message; later joiners make one update', async () => {
    const b = bed();
    const ids = await b.send(...hosts(12).map((h) => fire('DiskFull', h)));
    const [first] = b.sent();
    expect(b.sent()).toHaveLength(1);
    expect(first!.title).toBe('WARNING: DiskFull — 12 alerts on web001, web002, web003 … +9 more');
    expect(first!.body).toContain('12 alerts of group alertname=DiskFull arrived together: web001, web002, web003, web004');
    expect(first!.body).toContain('First: WARNING: DiskFull on web001\nLabels: alertname=DiskFull, instance=web001');
    // Its Acknowledge button acknowledges the first alert only, and says so.
    expect(first!.buttons?.map((x) => x.text)).toEqual(['Acknowledge web001']);
    expect(outcomes(b, ids)).toEqual(['notified', ...Array<string>(11).fill('grouped')]);
    expect(heldBy(b, ids[1]!)[0]!.detail).toBe(
      'joins group alertname=DiskFull (2 alerts), opened in this batch: named in its first message',
    );
    b.h.clock.advance(20_000);
    expect(b.sent()).toHaveLength(1); // nothing waits for the window's update
    // A later joiner inside the window is an update of its own, at the window's end.
    const [late] = await b.send(fire('DiskFull', 'web013'));
    expect(heldBy(b, late!)[0]!.detail).toMatch(/^joins group alertname=DiskFull \(13 alerts\): batched into one update at /);
    b.h.clock.advance(10_000);
    expect(b.sent().map((m) => m.title)).toEqual([first!.title, 'WARNING: DiskFull +1 more on web013']);
    b.h.clock.advance(60_000);
    expect(b.sent()).toHaveLength(2);
    // A group of one in its batch keeps the alert's own message.
    await b.send(fire('Ping', 'a'));
    expect(b.sent().at(-1)!.title).toBe('WARNING: Ping on a');
  });

  it("R-NOTIFY-13: an alert that starts flapping in the batch its group opened in: the group's first message goes before the flapping notice", async () => {
    const b = bed();
    const flips = [fire, resolve, fire, resolve, fire, resolve, fire].map((f) => f('LinkDown', 'sw1'));
    await b.send(fire('LinkDown', 'sw2'), ...flips);
    expect(b.noise.book.isFlapping('LinkDown/sw1')).toBe(true);
    // Queue order is what a thread shows last: the flapping notice is the newest state, not the first message.
    expect(b.sent().map((m) => m.kind)).toEqual(['alert', 'flapping']);
    expect(b.sent()[0]!.title).toBe('WARNING: LinkDown — 2 alerts on sw2, sw1');
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
    await b.send(fire('HighCPU', 'a'));
    await b.send(fire('HighCPU', 'b'), fire('HighCPU', 'c'));
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

  it('R-NOISE-1, R-SCALE-31: member rows are stored compactly, one row per group and transaction, and members written whole before still restore a pending batch', async () => {
    const first = bed();
    await first.send(fire('DiskFull', 'x1'));
    first.h.clock.advance(1_000);
    await first.send(fire('DiskFull', 'x2'), fire('DiskFull', 'x3'));
    const rows = first.h.db.prepare('SELECT owner, seq, body FROM noise_members ORDER BY seq').all() as Array<{
      owner: string;
      seq: number;
      body: string;
    }>;
    const member = (h: string) => [`DiskFull/${h}`, [h, expect.any(String), 'warning', `DiskFull on ${h}`, 1, expect.any(Number)]];
    expect(rows.map((r) => JSON.parse(r.body) as unknown)).toEqual([[member('x1')], [member('x2'), member('x3')]]);
    // As an older version wrote them: the whole member object, fingerprint and key names included.
    const put = first.h.db.prepare('UPDATE noise_members SET body = ? WHERE seq = ?');
    for (const r of rows) {
      const changes = JSON.parse(r.body) as Array<[string, unknown]>;
      put.run(JSON.stringify(changes.map(([fp, m]) => [fp, unpackMember(fp, m)])), r.seq);
    }
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
    // The failed pass's first message was dropped with it; the retry's names all three, once.
    expect(b.sent().map((m) => m.title)).toEqual(['WARNING: Disk — 3 alerts on x, y, z']);
  });
});
