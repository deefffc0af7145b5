import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ackBed, MIN, type AckBed } from './ack/testing';
import { until } from './notify/testing';

/** Sleep and wake (issue 18.6): Core.suspend()/resume() on an injected clock, the dead-man's switch a real local HTTP server. */
let server: Server;
let base = '';
const seen: Array<{ method: string; path: string; body: string }> = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
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
});
