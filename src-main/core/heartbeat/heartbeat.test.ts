import { createServer, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeNow, listenLocal } from '../../../e2e/fixtures/local-http';
import { ackBed, MIN } from '../ack/testing';
import { alertEvent } from '../router/testing';
import { until } from '../notify/testing';

/** A healthchecks-style ping endpoint on loopback: counts GETs to /ping/<uuid>, answers what it is told. */
let server: Server;
let url = '';
const pings: Array<{ method: string; path: string }> = [];
let answer = 200;
beforeAll(async () => {
  server = createServer((req, res) => {
    pings.push({ method: req.method ?? '', path: req.url ?? '' });
    res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer === 200 ? 'OK' : 'error');
  });
  url = `http://127.0.0.1:${await listenLocal(server)}/ping/5f1c2d9e-0000-4000-8000-00000000abcd`;
});
afterAll(() => closeNow(server));

describe('heartbeat (dead-man\u2019s switch for the console)', () => {
  it('R-NOTIFY-5: Vigil pings the heartbeat URL every interval; a failing heartbeat raises one vigil event, resolved when pings work again', async () => {
    const b = await ackBed(`heartbeat: { url: "${url}", interval: 1m }`);
    const hb = b.core.areas.heartbeat!;
    // Each ping is real HTTP: wait until it arrived and its answer was handled before moving the clock.
    const pinged = async (n: number) => {
      await until(() => pings.length === n && hb.state.pings === n, `ping ${n}`);
      await b.router.drain();
    };
    try {
      await pinged(1);
      expect(pings[0]).toEqual({ method: 'GET', path: '/ping/5f1c2d9e-0000-4000-8000-00000000abcd' });
      b.clock.advance(MIN);
      await pinged(2);

      answer = 503;
      for (let i = 3; i <= 6; i++) {
        b.clock.advance(MIN);
        await pinged(i);
      }
      expect(b.core.status().tiles.find((t) => t.id === 'heartbeat')).toMatchObject({ status: 'warning', value: 'failing' });
      const rows = () =>
        b.core.areas.db.prepare(`SELECT status, summary FROM events WHERE fingerprint = 'vigil:heartbeat' ORDER BY seq`).all() as Array<{
          status: string;
          summary: string;
        }>;
      expect(rows()).toHaveLength(1);
      expect(rows()[0]!.summary).toMatch(/heartbeat ping failed \(127\.0\.0\.1:\d+ answered HTTP 503\)/);
      // The ping URL's secret part never reaches the event.
      expect(rows()[0]!.summary).not.toMatch(/5f1c2d9e/);

      answer = 200;
      b.clock.advance(MIN);
      await pinged(7);
      await until(() => rows().length === 2, 'the recovery event');
      await b.router.drain();
      expect(rows().map((r) => r.status)).toEqual(['firing', 'resolved']);
      expect(b.core.status().tiles.find((t) => t.id === 'heartbeat')).toMatchObject({ status: 'ok', value: 'ok' });
    } finally {
      await b.close();
      rmSync(b.dir, { recursive: true, force: true });
    }
  });

  it('R-SCALE-8, R-NOTIFY-5: while intake has not been decided for a minute, heartbeat pings are withheld so the dead-man\u2019s switch alerts; they resume once it is decided again', async () => {
    answer = 200;
    pings.length = 0;
    const b = await ackBed(`heartbeat: { url: "${url}", interval: 1m }`);
    const hb = b.core.areas.heartbeat!;
    const tile = () => b.core.status().tiles.find((t) => t.id === 'heartbeat')!;
    try {
      await until(() => hb.state.pings === 1, 'the first ping');
      // A real fault on the deciding path (a trigger on the real file): every deciding pass fails from now on.
      b.clock.advance(30_000);
      b.core.areas.db.exec(`CREATE TRIGGER test_fault BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
      b.router.ingest([alertEvent({ fingerprint: 'lost' })], 'test');
      await until(() => b.router.failing() !== null, 'deciding fails');
      b.clock.advance(30_000); // failing for 30 s, not a minute yet: still pinging
      await until(() => hb.state.pings === 2, 'the second ping');
      await hb.idle();
      b.clock.advance(MIN);
      await hb.idle();
      expect(hb.state.pings).toBe(2); // withheld
      expect(tile()).toMatchObject({ status: 'critical', value: 'withheld' });
      expect(tile().reason).toMatch(
        /^no pings to 127\.0\.0\.1:\d+ since 2026-\S+ \S+ UTC, so the dead-man's switch tells someone: intake is not being decided since .+: disk I\/O error$/,
      );
      b.clock.advance(MIN);
      expect(hb.state.pings).toBe(2);

      b.core.areas.db.exec(`DROP TRIGGER test_fault`);
      b.clock.advance(5_000); // the router's retry decides it
      await b.router.drain();
      expect(b.router.failing()).toBeNull();
      b.clock.advance(MIN);
      await until(() => hb.state.pings === 3, 'pings again');
      expect(tile()).toMatchObject({ status: 'ok', value: 'ok' });
      expect(pings).toHaveLength(3);
    } finally {
      await b.close();
      rmSync(b.dir, { recursive: true, force: true });
    }
  });

  it('R-NOTIFY-5: a heartbeat endpoint that refuses connections or hangs is one failure event, not one per ping', async () => {
    // A port that was free a moment ago: connection refused.
    const gone = createServer();
    const port = await listenLocal(gone);
    await closeNow(gone);
    const b = await ackBed(`heartbeat: { url: "http://127.0.0.1:${port}/ping/secret-uuid", interval: 30s }`);
    const hanging = createServer(() => undefined); // accepts, never answers
    try {
      const hb = b.core.areas.heartbeat!;
      const failures = () =>
        b.core.areas.db.prepare(`SELECT summary FROM events WHERE fingerprint = 'vigil:heartbeat'`).all() as Array<{ summary: string }>;
      await until(() => hb.state.pings === 1, 'the first (refused) ping');
      await b.router.drain();
      expect(failures()).toHaveLength(1);
      expect(failures()[0]!.summary).toMatch(/unreachable: .*ECONNREFUSED/);
      expect(failures()[0]!.summary).not.toMatch(/secret-uuid/);
      for (let i = 2; i <= 4; i++) {
        b.clock.advance(30_000);
        await until(() => hb.state.pings === i, `ping ${i}`);
      }
      await b.router.drain();
      expect(failures()).toHaveLength(1);

      // Now the endpoint hangs: the ping is aborted after its timeout (10 s on the injected clock), still the same outage.
      await listenLocal(hanging, port);
      b.clock.advance(30_000);
      await new Promise((r) => setTimeout(r, 100)); // let the request reach the hanging server
      expect(hb.state.pings).toBe(4);
      b.clock.advance(10_000);
      await until(() => hb.state.pings === 5, 'the aborted ping');
      expect(hb.state.lastError).toMatch(/no answer within 10000 ms/);
      await b.router.drain();
      expect(failures()).toHaveLength(1);
    } finally {
      await b.close();
      rmSync(b.dir, { recursive: true, force: true });
      if (hanging.listening) await closeNow(hanging);
    }
  });
});
