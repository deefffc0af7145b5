import { describe, expect, it } from 'vitest';
import { outboxHandlers, outboxTiles } from './api';
import { buildChannels } from '../channels';
import { createOutbox } from './outbox';
import { useWebhookBed } from './webhook-bed';
import { alert, metricValue, notifyTestBed, settle, until, type NotifyTestBed } from './testing';

const rx = useWebhookBed({ secret: 'hook-secret' });

interface Setup {
  outbox?: Record<string, unknown>;
  /** More of the webhook channel's settings (e.g. concurrency). */
  channel?: Record<string, unknown>;
  bed?: NotifyTestBed;
}

/** A webhook channel "hook" against the real receiver, with failures recorded as vigil reports. */
function setup(opts: Setup = {}) {
  const bed =
    opts.bed ??
    notifyTestBed(
      {
        channels: [{ name: 'hook', type: 'webhook', url: rx.hook.url, hmacSecret: { secret: 'hook-hmac' }, ...opts.channel }],
        outbox: { maxBackoff: '60s', ...opts.outbox },
      },
      { 'hook-hmac': 'hook-secret' },
    );
  rx.beds.push(bed);
  const reports: Array<{ what: string; error: string }> = [];
  const recoveries: string[] = [];
  const outbox = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => null }), {
    onFailure: (what, err) => reports.push({ what, error: err.message }),
    onRecovery: (what) => recoveries.push(what),
  });
  rx.outboxes.push(outbox);
  const enqueue = (title: string, key = `k-${title}`) => bed.db.transaction(() => outbox.writer.enqueue('hook', alert(title), key))();
  const row = (key: string) => outbox.store.list({ channel: 'hook', limit: 500 }).find((r) => r.key === key);
  /** Jump the clock to the head's next attempt (not past it: a send in flight would time out on the fake clock). */
  const toNextAttempt = () => {
    const head = outbox.store.head('hook');
    if (head) bed.clock.advance(Math.max(0, head.nextAttemptAt - bed.clock.now()));
  };
  return { ...bed, bed, outbox, reports, recoveries, enqueue, row, toNextAttempt };
}

describe('durable outbox over a real webhook receiver', () => {
  it('R-NOTIFY-2/3: the receiver goes down and comes back — every message delivered, in order, none twice; the head blocks the queue; backoff is capped; Retry-After is honoured', async () => {
    // concurrency 1: the queue's order across alerts (with more in flight only each incident's order holds, R-NOTIFY-11).
    const { ctx, clock, outbox, enqueue, row, reports, recoveries } = setup({ channel: { concurrency: 1 } });
    outbox.start();
    enqueue('m1');
    await until(() => row('k-m1')?.state === 'sent', 'm1 delivered');

    await rx.hook.goDown();
    for (const t of ['m2', 'm3', 'm4', 'm5', 'm6']) enqueue(t);
    await until(() => (row('k-m2')?.attempts ?? 0) === 1, 'first failed attempt of m2');
    expect(row('k-m2')?.lastError).toMatch(/unreachable/);
    expect(outbox.health()[0]).toMatchObject({ name: 'hook', state: 'failing', backlog: 5 });

    // Capped exponential backoff with jitter: each delay lies in [cap/2, cap] for cap = min(60 s, 1 s · 2^(n-1)).
    const delays: number[] = [];
    for (let n = 1; n <= 8; n++) {
      const r = row('k-m2');
      if (!r) throw new Error('m2 vanished');
      const delay = r.nextAttemptAt - clock.now();
      delays.push(delay);
      const cap = Math.min(60_000, 1_000 * 2 ** (n - 1));
      expect(delay).toBeGreaterThanOrEqual(cap / 2);
      expect(delay).toBeLessThanOrEqual(cap);
      clock.advance(delay);
      await until(() => row('k-m2')?.attempts === n + 1, `attempt ${n + 1}`);
    }
    // Only the head was tried: the queue behind it waited, in order.
    expect(['k-m3', 'k-m4', 'k-m5', 'k-m6'].map((k) => row(k)?.attempts)).toEqual([0, 0, 0, 0]);
    expect(reports.filter((r) => r.what === 'channel hook')).toHaveLength(1); // raised once, not per attempt

    // Back up but overloaded: 503 with Retry-After 120 s, beyond the 60 s cap, is honoured exactly.
    await rx.hook.comeBack();
    rx.hook.answer(() => ({ status: 503, headers: { 'retry-after': '120' } }));
    clock.advance(row('k-m2')!.nextAttemptAt - clock.now());
    await until(() => row('k-m2')?.attempts === 10, 'the 503 attempt');
    expect(row('k-m2')!.nextAttemptAt - clock.now()).toBe(120_000);
    rx.hook.answer(null);
    clock.advance(119_000);
    await settle();
    expect(rx.hook.shown).toHaveLength(1);
    clock.advance(1_000);
    await until(() => rx.hook.shown.length === 6, 'backlog replayed');
    await until(() => outbox.health()[0]?.backlog === 0, 'outbox drained');

    expect(rx.hook.shown.map((d) => d.key)).toEqual(['k-m1', 'k-m2', 'k-m3', 'k-m4', 'k-m5', 'k-m6']);
    expect(rx.hook.delivered).toHaveLength(6); // none twice
    expect(rx.hook.shown.every((d) => d.verified)).toBe(true);
    expect(outbox.health()[0]).toMatchObject({ state: 'ok', backlog: 0, failingSince: null });
    // Asked at the first success since start (a failure alert from before a restart resolves) and at the outage's end.
    expect(recoveries).toEqual(['channel hook', 'channel hook']);
    expect(await metricValue(ctx, 'vigil_notify_sent_total', { channel: 'hook', result: 'sent' })).toBe(6);
    expect(await metricValue(ctx, 'vigil_outbox_replayed_total', { channel: 'hook' })).toBe(1);
    expect(await metricValue(ctx, 'vigil_outbox_pending', { channel: 'hook' })).toBe(0);
  });

  it('R-NOTIFY-2: a backlog at or under the threshold is replayed message by message', async () => {
    const { outbox, enqueue, row, toNextAttempt } = setup({ outbox: { digestThreshold: 5 } });
    outbox.start();
    await rx.hook.goDown();
    for (let i = 1; i <= 5; i++) enqueue(`m${i}`);
    await until(() => row('k-m1')?.attempts === 1, 'head failed');
    await rx.hook.comeBack();
    toNextAttempt();
    await until(() => rx.hook.shown.length === 5, 'all five');
    expect(rx.hook.shown.map((d) => d.body.message.title)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('R-NOTIFY-2: a refused message (400) is marked failed and shown, the queue moves on, and it can be retried by hand', async () => {
    const { ctx, outbox, enqueue, row, reports } = setup();
    outbox.start();
    rx.hook.answer((d) => (d.body.message.title === 'bad' ? { status: 400, body: '{"error":"unknown field"}' } : { status: 200 }));
    enqueue('bad');
    enqueue('good');
    // Both may be in flight at once (a webhook sends 8 at a time): wait until the batch is settled.
    await until(() => row('k-good')?.state === 'sent', 'good delivered');
    expect(rx.hook.shown[0]!.body.message.title).toBe('good');
    const bad = row('k-bad')!;
    expect(bad).toMatchObject({ state: 'failed', attempts: 1 });
    expect(bad.lastError).toContain('HTTP 400');
    expect(reports.some((r) => r.what === 'channel hook (refused messages)' && r.error.includes('bad'))).toBe(true);
    expect(await metricValue(ctx, 'vigil_notify_sent_total', { channel: 'hook', result: 'failed' })).toBe(1);
    const api = outboxHandlers(outbox);
    const failed = await api['outbox.list']({ channel: 'hook', state: 'failed', limit: 10 });
    expect(failed.items.map((i) => i.title)).toEqual(['bad']);
    expect(outboxTiles(outbox, ctx.clock.now())[0]).toMatchObject({ id: 'outbox', status: 'warning' });

    rx.hook.answer(null);
    expect(await api['outbox.retryNow']({ id: bad.id })).toEqual({ retried: 1 });
    await until(() => row('k-bad')?.state === 'sent', 'bad delivered after retry');
    expect(rx.hook.shown).toHaveLength(2);
  });

  it('R-NOTIFY-2: after outbox.expireAfter an undelivered message is marked expired and shown, not deleted', async () => {
    const { ctx, clock, outbox, enqueue, row, reports } = setup({ outbox: { expireAfter: '1h' } });
    outbox.start();
    await rx.hook.goDown();
    enqueue('old1');
    enqueue('old2');
    await until(() => row('k-old1')?.attempts === 1, 'head failed');
    for (let t = 0; t < 62; t++) {
      clock.advance(60_000);
      await settle(5);
    }
    await until(() => row('k-old1')?.state === 'expired' && row('k-old2')?.state === 'expired', 'both expired');
    expect(row('k-old1')?.lastError).toMatch(/expired/);
    expect(outbox.store.list({ channel: 'hook', limit: 10 })).toHaveLength(2);
    expect(reports.some((r) => r.what === 'channel hook (expired messages)')).toBe(true);
    expect(await metricValue(ctx, 'vigil_notify_sent_total', { channel: 'hook', result: 'expired' })).toBe(2);
    expect(outbox.health()[0]).toMatchObject({ backlog: 0, expired: 2 });

    await rx.hook.comeBack();
    enqueue('new');
    await until(() => rx.hook.shown.length === 1, 'new delivered');
    expect(rx.hook.shown.map((d) => d.body.message.title)).toEqual(['new']);
  });

  it('R-NOTIFY-3: crash mid-send (database closed under the worker) — after a restart the message is delivered again with the same key and shown once', async () => {
    // One in flight (concurrency 1): the message behind waits; concurrency.test.ts crashes a full window.
    const a = setup({ channel: { concurrency: 1 } });
    a.outbox.start();
    rx.hook.answer(() => 'hold');
    a.enqueue('mid-send');
    a.enqueue('behind');
    await until(() => rx.hook.holding() === 1, 'request in flight');
    expect(a.row('k-mid-send')?.state).toBe('sending');
    // The process dies: the database goes away with the send still in flight…
    a.db.close();
    // …and the receiver had in fact taken the message.
    rx.hook.releaseHeld(200);
    await settle();
    rx.hook.answer(null);

    const b = setup({ bed: a.bed.reopen() });
    expect(b.row('k-mid-send')?.state).toBe('sending');
    b.outbox.start();
    await until(() => b.row('k-behind')?.state === 'sent', 'both sent');
    expect(rx.hook.delivered.map((d) => d.key)).toEqual(['k-mid-send', 'k-mid-send', 'k-behind']); // at least once
    expect(rx.hook.shown.map((d) => d.key)).toEqual(['k-mid-send', 'k-behind']); // shown once
    expect(b.row('k-mid-send')?.state).toBe('sent');
  });

  it("R-NOTIFY-2: a message held by a pause expires when its time is up, not at the next minute's sweep", async () => {
    const bed = notifyTestBed({ channels: [{ name: 'desktop', type: 'desktop' }], outbox: { expireAfter: '10m' } });
    rx.beds.push(bed);
    const outbox = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => bed.clock.now() + 3_600_000 }));
    rx.outboxes.push(outbox);
    const state = () => outbox.store.list({ channel: 'desktop', limit: 5 }).map((r) => r.state);
    outbox.start();
    await settle(10);
    bed.clock.advance(30_000); // half way between two of the minute's sweeps
    outbox.writer.enqueue('desktop', alert('held by the pause'), 'h1');
    await settle(10);
    const dueAt = bed.clock.now() + 600_000;
    while (bed.clock.now() < dueAt) {
      bed.clock.advance(10_000);
      await settle(2);
    }
    await until(() => state()[0] !== 'pending', 'expired at its time', 2_000);
    expect(state()).toEqual(['expired']);
    expect(bed.clock.now() - dueAt).toBeLessThan(10_000);
  });

  it('R-NOTIFY-2: messages for a channel removed from the config are shown (unconfigured) and still expire, never vanish', async () => {
    const { ctx, clock, outbox, reports } = setup({ outbox: { expireAfter: '10m' } });
    outbox.start();
    outbox.writer.enqueue('old-pager', alert('for a removed channel'), 'orphan');
    expect(outbox.health().find((h) => h.name === 'old-pager')).toMatchObject({ state: 'unconfigured', backlog: 1 });
    expect(outboxTiles(outbox, clock.now()).find((t) => t.id === 'channels')).toMatchObject({ status: 'warning' });
    clock.advance(11 * 60_000);
    expect(outbox.store.list({ channel: 'old-pager', limit: 5 }).map((r) => r.state)).toEqual(['expired']);
    expect(reports.some((r) => r.what === 'channel old-pager (expired messages)')).toBe(true);
    expect(await metricValue(ctx, 'vigil_notify_sent_total', { channel: 'old-pager', result: 'expired' })).toBe(1);
  });

  it("R-NOTIFY-3: enqueue joins the caller's transaction — a rolled-back producer queues nothing; a repeated key is queued once", async () => {
    const { ctx, outbox, enqueue } = setup();
    expect(() =>
      ctx.stores.transaction(() => {
        outbox.writer.enqueue('hook', alert('ghost'), 'k-ghost');
        throw new Error('producer failed after enqueue');
      }),
    ).toThrow('producer failed');
    enqueue('once', 'same');
    enqueue('once again', 'same');
    outbox.start();
    await until(() => rx.hook.shown.length === 1, 'delivered');
    await settle();
    expect(rx.hook.requests.map((r) => r.body.message.title)).toEqual(['once']);
  });

  it('R-NOTIFY-2: outbox API — list with state filter and pagination, channel health, retryNow for a channel, expire by hand, digest preview; bad input changes nothing', async () => {
    const { clock, outbox, enqueue, row } = setup({ outbox: { digestThreshold: 3 } });
    const api = outboxHandlers(outbox);
    outbox.start();
    await rx.hook.goDown();
    for (let i = 1; i <= 5; i++) enqueue(`p${i}`);
    await until(() => row('k-p1')?.attempts === 1, 'head failed');

    const page1 = await api['outbox.list']({ channel: 'hook', state: 'pending', limit: 2 });
    expect(page1.items.map((i) => i.title)).toEqual(['p5', 'p4']);
    const page2 = await api['outbox.list']({ channel: 'hook', state: 'pending', limit: 2, before: page1.nextBefore! });
    expect(page2.items.map((i) => i.title)).toEqual(['p3', 'p2']);
    const ch = (await api['outbox.channels']({})).channels[0]!;
    expect(ch).toMatchObject({ name: 'hook', type: 'webhook', state: 'failing', backlog: 5, consecutiveFailures: 1 });
    expect(ch.lastError).toMatch(/unreachable/);

    // A webhook is a machine: it gets every message, never a digest (R-NOTIFY-2).
    const preview = await api['outbox.digestPreview']({ channel: 'hook' });
    expect(preview).toMatchObject({ backlog: 5, threshold: 3, wouldDigest: false, message: null });

    // Expire p5 by hand: kept, shown as expired; a sent/unknown message is refused with a clear error.
    expect(await api['outbox.expire']({ id: row('k-p5')!.id })).toEqual({ id: row('k-p5')!.id, state: 'expired' });
    await expect(async () => api['outbox.expire']({ id: 9999 })).rejects.toThrow(/no outbox message 9999/);
    await expect(async () => api['outbox.retryNow']({ channel: 'nope' })).rejects.toThrow(/no channel "nope"/);

    // retryNow on the channel skips the backoff: no clock advance needed.
    await rx.hook.comeBack();
    expect(row('k-p1')!.nextAttemptAt).toBeGreaterThan(clock.now());
    expect(await api['outbox.retryNow']({ channel: 'hook' })).toEqual({ retried: 1 });
    await until(() => outbox.health()[0]?.backlog === 0, 'the backlog after retryNow');
    expect(rx.hook.shown.map((d) => d.body.message.title)).toEqual(['p1', 'p2', 'p3', 'p4']);
    await expect(async () => api['outbox.retryNow']({ id: row('k-p1')!.id })).rejects.toThrow(/already delivered/);
    expect(outboxTiles(outbox, clock.now()).find((t) => t.id === 'channels')).toMatchObject({ status: 'ok', value: '1/1 ok' });
  });
});

describe('desktop channel', () => {
  it('R-NOTIFY-1: publishes a notice per message; while notifications are paused they are held (not failed), and shown in order on resume', async () => {
    const bed = notifyTestBed({ channels: [{ name: 'desktop', type: 'desktop' }] });
    rx.beds.push(bed);
    let pausedUntil: number | null = bed.clock.now() + 600_000;
    const outbox = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => pausedUntil }));
    rx.outboxes.push(outbox);
    const notices: string[] = [];
    bed.ctx.bus.subscribe('notice', (n) => notices.push(`${n.id}:${n.title}`));
    outbox.start();
    outbox.writer.enqueue('desktop', alert('while paused 1'), 'p1');
    outbox.writer.enqueue('desktop', alert('while paused 2'), 'p2');
    await settle();
    expect(notices).toEqual([]);
    expect(outbox.health()[0]).toMatchObject({ state: 'paused', backlog: 2, consecutiveFailures: 0 });
    // Resume (notifications.pause {minutes:0} publishes status).
    pausedUntil = null;
    bed.ctx.bus.publish('status', {
      version: '',
      startedAt: 0,
      now: 0,
      worst: 'ok',
      tiles: [],
      notificationsPausedUntil: null,
      lastSleep: null,
    });
    await until(() => notices.length === 2, 'notices after resume');
    expect(notices).toEqual(['p1:while paused 1', 'p2:while paused 2']);
  });

  it('R-NOTIFY-3: a burst is delivered in order, once each; a crash mid-batch redelivers the unsettled batch in order with the same keys', async () => {
    // (threshold above the burst: a backlog found at start-up would otherwise go out as a digest)
    const a = notifyTestBed({ channels: [{ name: 'desktop', type: 'desktop' }], outbox: { digestThreshold: 1_000 } });
    rx.beds.push(a);
    const first = createOutbox(a.ctx, buildChannels(a.ctx, { pausedUntil: () => null }));
    rx.outboxes.push(first);
    const keys = Array.from({ length: 450 }, (_, i) => `b${i}`);
    const seen: string[] = [];
    a.ctx.bus.subscribe('notice', (n) => {
      seen.push(n.id);
      // The process dies after the 250th notice: in the middle of the second batch.
      if (seen.length === 250) a.db.close();
    });
    first.start();
    a.db.transaction(() => keys.forEach((k) => first.writer.enqueue('desktop', alert(k), k)))();
    await until(() => seen.length >= 250, 'second batch under way');
    await settle();
    await first.stop();
    const before = seen.length;
    expect(seen).toEqual(keys.slice(0, before)); // in order, none twice
    const b = a.reopen();
    rx.beds.push(b);
    const sentBefore = b.db
      .prepare(`SELECT idem_key AS k FROM outbox WHERE state = 'sent' ORDER BY id`)
      .all()
      .map((r) => (r as { k: string }).k);
    expect(sentBefore.length).toBeGreaterThan(0); // the first batch was settled before the crash
    const again: string[] = [];
    b.ctx.bus.subscribe('notice', (n) => again.push(n.id));
    const second = createOutbox(b.ctx, buildChannels(b.ctx, { pausedUntil: () => null }));
    rx.outboxes.push(second);
    second.start();
    await until(() => again.at(-1) === 'b449', 'the rest delivered');
    // Nothing settled is sent again; nothing unsettled is lost; order holds across the restart.
    expect(again).toEqual(keys.slice(sentBefore.length));
    expect(new Set([...sentBefore, ...again])).toEqual(new Set(keys));
    expect(b.db.prepare(`SELECT count(*) AS n FROM outbox WHERE state != 'sent'`).get()).toEqual({ n: 0 });
  });

  it('R-NOTIFY-3: when recording a delivery fails (database error), the claimed messages are not stranded: they go again, in order, and the failure is reported', async () => {
    const bed = notifyTestBed({ channels: [{ name: 'desktop', type: 'desktop' }] });
    rx.beds.push(bed);
    const reports: string[] = [];
    const outbox = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => null }), { onFailure: (what) => reports.push(what) });
    rx.outboxes.push(outbox);
    const notices: string[] = [];
    bed.ctx.bus.subscribe('notice', (n) => notices.push(n.id));
    // A real SQLite failure on the write that records "sent" for one message.
    bed.db.exec(
      `CREATE TEMP TRIGGER no_sent BEFORE UPDATE OF state ON outbox WHEN NEW.state = 'sent' AND OLD.idem_key = 'm2' BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`,
    );
    outbox.start();
    bed.db.transaction(() => ['m0', 'm1', 'm2', 'm3'].forEach((k) => outbox.writer.enqueue('desktop', alert(k), k)))();
    await until(() => reports.length === 1, 'failure reported');
    expect(reports).toEqual(['outbox worker for channel desktop']);
    expect(bed.db.prepare(`SELECT count(*) AS n FROM outbox WHERE state = 'sending'`).get()).toEqual({ n: 0 });
    bed.db.exec('DROP TRIGGER no_sent');
    bed.clock.advance(5_000); // the worker retries after a pause
    await until(() => outbox.health()[0]?.backlog === 0, 'all delivered');
    const firstTry = notices.slice(0, notices.length - 4);
    expect(notices.slice(-4)).toEqual(['m0', 'm1', 'm2', 'm3']); // again, from the first unrecorded one, in order
    expect(['m0', 'm1', 'm2', 'm3'].slice(0, firstTry.length)).toEqual(firstTry);
  });

  it('R-NOTIFY-2: a long pause ends in one digest notice, not a flood', async () => {
    const bed = notifyTestBed({ channels: [{ name: 'desktop', type: 'desktop' }], outbox: { digestThreshold: 20 } });
    rx.beds.push(bed);
    let pausedUntil: number | null = bed.clock.now() + 3_600_000;
    const outbox = createOutbox(bed.ctx, buildChannels(bed.ctx, { pausedUntil: () => pausedUntil }));
    rx.outboxes.push(outbox);
    const notices: string[] = [];
    bed.ctx.bus.subscribe('notice', (n) => notices.push(n.title));
    outbox.start();
    for (let i = 1; i <= 25; i++) outbox.writer.enqueue('desktop', alert(`night alert ${i}`), `n${i}`);
    await settle();
    pausedUntil = null;
    bed.clock.advance(60_000); // the paused worker looks again within a minute
    await until(() => notices.length === 1 && outbox.health()[0]?.backlog === 0, 'one digest');
    await settle();
    expect(notices).toEqual(['25 notifications held while notifications were paused']);
  });
});
