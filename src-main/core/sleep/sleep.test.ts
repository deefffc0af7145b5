import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ackBed, MIN, type AckBed } from '../ack/testing';
import { until } from '../notify/testing';

/** Sleep and wake (issue 18.6): Core.suspend()/resume() on an injected clock, the dead-man's switch a real local HTTP server. */
let server: Server;
let base = '';
const seen: Array<{ method: string; path: string; body: string }> = [];
const hits = () => seen.filter((s) => s.path === '/health').length;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/health') return void (seen.push({ method: req.method ?? '', path: '/health', body }), res.end('ok'));
      seen.push({ method: req.method ?? '', path: req.url ?? '', body });
      res.end('OK');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>((r) => server.close(() => r())));
let bed: AckBed | null = null;
afterEach(async () => {
  await bed?.close();
  seen.length = 0;
});

describe('sleep and wake (issue 18.6)', () => {
  it('R-SLEEP-1: before suspend the heartbeat says "going to sleep"; on resume a step due while asleep fires once, marked late, and an event says how long', async () => {
    bed = await ackBed(`
smoke: { enabled: false }
heartbeat: { url: "${base}/ping/abc", sleepUrl: "${base}/ping/abc/log", interval: 1m }
channels: [ { name: desk, type: desktop }, { name: lead, type: desktop } ]
routes:
  - channels: [desk]
    escalate: [ { after: 10m, channels: [lead] } ]
`);
    await until(() => seen.some((s) => s.path === '/ping/abc'), 'the first heartbeat ping');
    await bed.send();
    await bed.delivered();
    bed.clock.advance(2 * MIN); // 12:02
    await bed.core.suspend();
    expect(seen.at(-1)).toMatchObject({ method: 'POST', path: '/ping/abc/log' });
    expect(seen.at(-1)!.body).toMatch(/^Vigil going to sleep at 2026-01-05T12:02:00.000Z/);
    const pings = seen.length;
    // Asleep for 4 h 30 min: no escalation, no heartbeat.
    bed.clock.advance(270 * MIN);
    const esc = () =>
      bed!.core.areas.db.prepare(`SELECT state, late, late_reason FROM escalations WHERE fingerprint = 'fp-disk-web1'`).all();
    expect(esc()).toEqual([{ state: 'armed', late: 0, late_reason: null }]);
    expect(seen.length).toBe(pings);
    await bed.core.resume();
    await bed.core.resume(); // a second wake signal changes nothing
    expect(esc()).toEqual([{ state: 'fired', late: 1, late_reason: 'Vigil was asleep from 12:02 to 16:32 UTC' }]);
    await bed.delivered();
    const lead = bed.core.areas.db
      .prepare(`SELECT count(*) AS n FROM outbox WHERE channel = 'lead' AND json_extract(message, '$.fingerprint') = 'fp-disk-web1'`)
      .get() as { n: number };
    expect(lead.n).toBe(1);
    const { items } = await bed.call<{ items: Array<{ summary: string }> }>('events.list', { source: 'vigil' });
    expect(items.map((e) => e.summary)).toContain('Vigil was asleep from 12:02 to 16:32 UTC');
    // Pings start again on waking.
    await until(() => seen.length > pings && seen.at(-1)!.path === '/ping/abc', 'a ping after waking');
  });

  it('R-SLEEP-2: on waking, jobs that fell due while asleep run once each (not once per missed tick), probes check at once, and the asleep event says how late', async () => {
    bed = await ackBed(`
smoke: { interval: 5m, summaryAt: "14:00", summaryTimeZone: UTC, summaryChannels: [desk] }
channels: [ { name: desk, type: desktop } ]
routes: [ { channels: [desk] } ]
probes: [ { name: web-health, type: http, url: "${base}/health", interval: 10m } ]
`);
    const runs = () => (bed!.core.areas.db.prepare(`SELECT count(DISTINCT at) AS n FROM smoke_history`).get() as { n: number }).n;
    const summaries = () =>
      (bed!.core.areas.db.prepare(`SELECT count(*) AS n FROM outbox WHERE idem_key LIKE 'smoke-summary:%'`).get() as { n: number }).n;
    await until(() => runs() === 1, 'the first self-check run at start', 30_000);
    bed.clock.advance(0); // the probe's first check (its request timeout is on this clock: let it finish before moving on)
    await until(() => hits() === 1, 'the probe check at start', 30_000);
    bed.clock.advance(2 * MIN); // 12:02: no smoke tick yet
    const before = hits();
    await bed.core.suspend();
    bed.clock.advance(270 * MIN); // asleep until 16:32: 54 smoke ticks, 27 probe ticks and the 14:00 summary missed
    await new Promise((r) => setTimeout(r, 50));
    expect([runs(), hits(), summaries()]).toEqual([1, before, 0]);
    await bed.core.resume();
    await until(() => runs() === 2, 'one self-check run on waking', 30_000);
    expect(hits()).toBe(before + 1);
    expect(summaries()).toBe(1);
    const { items } = await bed.call<{ items: Array<{ id: string; summary: string }> }>('events.list', { source: 'vigil' });
    const id = items.find((e) => e.summary === 'Vigil was asleep from 12:02 to 16:32 UTC')?.id;
    const asleep = await bed.call<{ description: string }>('events.get', { id });
    expect(asleep?.description).toContain('The machine slept 4 h 30 min');
    expect(asleep?.description).toContain('- Self-checks ran 4 h 27 min late'); // due 12:05
    expect(asleep?.description).toContain('- The daily self-check summary ran 2 h 32 min late'); // due 14:00
    expect(asleep?.description).toContain('- HTTP probes checked again: web-health ok');
    // Back on rhythm from the wake: the next self-check at 16:37, once.
    bed.clock.advance(5 * MIN);
    await until(() => runs() === 3, 'the next self-check on its interval', 30_000);
    expect(summaries()).toBe(1);
  });

  it('R-SLEEP-4: with sleep.handOverCriticals, suspending hands each unacknowledged critical to its next escalation step at once, recorded with the reason', async () => {
    bed = await ackBed(`
smoke: { enabled: false }
sleep: { handOverCriticals: true }
channels: [ { name: desk, type: desktop }, { name: lead, type: desktop } ]
routes:
  - channels: [desk]
    escalate: [ { after: 30m, channels: [lead] }, { after: 60m, channels: [lead] } ]
`);
    await bed.send(); // critical, nobody answers
    await bed.send({ fingerprint: 'fp-acked', summary: 'Disk almost full on web2', labels: { alertname: 'DiskFull', instance: 'web2' } });
    await bed.send({ fingerprint: 'fp-warn', severity: 'warning', summary: 'Slow queries', labels: { alertname: 'SlowQueries' } });
    await bed.call('alerts.ack', { fingerprint: 'fp-acked', by: 'rita' });
    await bed.delivered();
    bed.clock.advance(2 * MIN); // 12:02
    await bed.core.suspend();
    const steps = (fp: string) =>
      bed!.core.areas.db
        .prepare(`SELECT step, state, late, late_reason AS reason FROM escalations WHERE fingerprint = ? ORDER BY step`)
        .all(fp);
    // The next step only (step 2 stays armed for its own time); the reason is recorded, and it is early, not late.
    expect(steps('fp-disk-web1')).toEqual([
      { step: 1, state: 'fired', late: 0, reason: 'laptop going to sleep' },
      { step: 2, state: 'armed', late: 0, reason: null },
    ]);
    expect(steps('fp-warn').map((r) => (r as { state: string }).state)).toEqual(['armed', 'armed']);
    expect(steps('fp-acked').map((r) => (r as { state: string }).state)).not.toContain('fired');
    const toLead = bed.core.areas.db
      .prepare(
        `SELECT json_extract(message, '$.fingerprint') AS fp, json_extract(message, '$.body') AS body FROM outbox WHERE channel = 'lead'`,
      )
      .all() as Array<{ fp: string; body: string }>;
    expect(toLead.map((m) => m.fp)).toEqual(['fp-disk-web1']);
    expect(toLead[0]!.body).toContain('Handed over before its time: laptop going to sleep (this step was due at 12:30 UTC).');
    // Queued before anything stopped: it goes out now, not after waking.
    await bed.delivered();
    expect(bed.notices.map((n) => n.title)).toContain('ESCALATED (step 1): CRITICAL: Disk almost full on web1');
  });

  it('R-SLEEP-5: the status says when the machine last slept, from the recorded event: across a restart, the latest sleep, for 24 h', async () => {
    bed = await ackBed(`smoke: { enabled: false }`);
    expect(bed.core.status().lastSleep).toBeNull();
    const sleep = async (from: number, to: number) => {
      bed!.clock.set(from);
      await bed!.core.suspend();
      bed!.clock.advance(to - from);
      await bed!.core.resume();
    };
    const at = (h: number, m: number) => Date.UTC(2026, 0, 5, h, m);
    await sleep(at(12, 1), at(12, 20));
    expect(bed.core.status().lastSleep).toEqual({ from: at(12, 1), to: at(12, 20) });
    await sleep(at(12, 21), at(16, 56));
    expect(bed.core.status().lastSleep).toEqual({ from: at(12, 21), to: at(16, 56) });
    // Recorded, not remembered: a restart on the same data dir still knows it; a day after waking it is no longer shown.
    bed = await bed.restart(at(17, 0));
    expect(bed.core.status().lastSleep).toEqual({ from: at(12, 21), to: at(16, 56) });
    bed = await bed.restart(at(16, 56) + 24 * 60 * MIN + 1);
    expect(bed.core.status().lastSleep).toBeNull();
  });

  it('R-SLEEP-5: a laptop sleeping twice is two events on the Events page, neither "deduped"; the Overview still reads the latest', async () => {
    bed = await ackBed(`smoke: { enabled: false }`);
    const at = (h: number, m: number) => Date.UTC(2026, 0, 5, h, m);
    for (const [from, to] of [
      [at(1, 10), at(6, 45)],
      [at(12, 21), at(16, 56)],
    ] as const) {
      bed.clock.set(from);
      await bed.core.suspend();
      bed.clock.set(to);
      await bed.core.resume();
    }
    const { items } = await bed.call<{ items: Array<{ summary: string; fingerprint: string; outcome: string | null }> }>('events.list', {
      source: 'vigil',
      limit: 10,
    });
    const sleeps = items.filter((e) => e.summary.startsWith('Vigil was asleep'));
    // Before: one fingerprint for every sleep, so the second was a repeat of the first ("deduped").
    // Now each is its own alert, first seen resolved: stored (an info record), nothing it repeats.
    expect(sleeps.map((e) => [e.summary, e.outcome])).toEqual([
      ['Vigil was asleep from 12:21 to 16:56 UTC', 'stored'],
      ['Vigil was asleep from 01:10 to 06:45 UTC', 'stored'],
    ]);
    expect(new Set(sleeps.map((e) => e.fingerprint)).size).toBe(2);
    expect(bed.core.status().lastSleep).toEqual({ from: at(12, 21), to: at(16, 56) });
  });
});
