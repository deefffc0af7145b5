import type { FastifyInstance } from 'fastify';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../core/app';
import { parseConfig } from '../core/config';
import { listenHttp } from './testing';
import { Topic } from '../../src-shared/api/topics';
import { turns } from './turns';

const TOKEN = 'turns-token-0123456789abcdefghijklmnopq';
let core: Core;
let app: FastifyInstance;
let port = 0;
beforeAll(async () => {
  core = createCore({ config: parseConfig('channels: [{ name: desktop, type: desktop }]'), dataDir: null });
  await core.start();
  let base: string;
  ({ app, base } = await listenHttp({ core, token: TOKEN }));
  port = Number(new URL(base).port);
});
afterAll(async () => {
  await app.close();
  await core.stop();
});

/** An Alertmanager webhook of n firing alerts, as a raw HTTP/1.1 request. */
const webhookRequest = (k: number, n: number): string => {
  const alerts = Array.from({ length: n }, (_, i) => ({
    status: 'firing',
    fingerprint: `turns-${k}-${i}`,
    labels: { alertname: `TurnsStorm${k}`, instance: `host-${i}:9100`, severity: 'warning' },
    annotations: { summary: `alert ${k}/${i}` },
    startsAt: new Date().toISOString(),
  }));
  const body = JSON.stringify({ version: '4', status: 'firing', receiver: 'vigil', alerts });
  return (
    `POST /api/v1/alerts/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
};

/** n connections, open and accepted by the server first, so what they send next becomes readable in one poll. */
async function acceptedSockets(n: number): Promise<Socket[]> {
  let accepted = 0;
  let onConnection = (): void => {};
  const all = new Promise<void>((ok) => (onConnection = () => void (++accepted === n && ok())));
  app.server.on('connection', onConnection);
  const sockets = Array.from({ length: n }, () => connect(port, '127.0.0.1'));
  await all;
  app.server.off('connection', onConnection);
  return sockets;
}

describe('one request body per turn of the event loop (R-SCALE-10)', () => {
  it('R-SCALE-10: /health sent behind a burst of 40 webhook bodies is answered before the burst is worked through, and every body is still accepted in order', async () => {
    const N = 40;
    const sockets = await acceptedSockets(N + 1);
    const got = sockets.map((s) => {
      let text = '';
      return new Promise<string>((ok) => s.on('data', (d: Buffer) => (text += d.toString()) && /\r\n\r\n.*\}$/s.test(text) && ok(text)));
    });
    // What the server had taken in when the probe's answer arrived: the routes hand each body to core.accept.
    const order: string[] = [];
    const accept = core.accept.bind(core);
    core.accept = (events, via) => {
      order.push(String(events[0]?.labels.alertname));
      return accept(events, via);
    };
    // All in one synchronous block: the server reads nothing until this test yields.
    for (let k = 0; k < N; k++) sockets[k]!.write(webhookRequest(k, 20));
    sockets[N]!.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const health = await got[N]!;
    const workedBefore = order.length;
    expect(health).toMatch(/^HTTP\/1.1 200/);
    // Before, all 40 bodies were parsed, validated and handed over in the poll that also read the probe.
    expect(workedBefore).toBeLessThan(N / 2);
    const answers = await Promise.all(got.slice(0, N));
    for (const a of answers) expect(a).toMatch(/^HTTP\/1.1 202/);
    expect(order).toEqual(Array.from({ length: N }, (_, k) => `TurnsStorm${k}`)); // arrival order kept
    for (const s of sockets) s.destroy();
  });

  it('R-SCALE-10: /health sent behind a burst of 40 console connects is answered before the burst is set up, and every console gets its stream', async () => {
    const N = 40;
    const sockets = await acceptedSockets(N + 1);
    // A console's stream is set up when it subscribes to the status topic (after its snapshot went out).
    let setUp = 0;
    const subscribe = core.ctx.bus.subscribe.bind(core.ctx.bus);
    core.ctx.bus.subscribe = ((topic, fn) => (topic === Topic.status && setUp++, subscribe(topic, fn))) as typeof subscribe;
    const got = sockets.map((s, i) => {
      let text = '';
      const done = i < N ? /\r\n\r\n[^]*event: status\ndata: [^]*\n\n/ : /\r\n\r\n.*\}$/s;
      return new Promise<string>((ok) => s.on('data', (d: Buffer) => (text += d.toString()) && done.test(text) && ok(text)));
    });
    for (let k = 0; k < N; k++) sockets[k]!.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    sockets[N]!.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const health = await got[N]!;
    const setUpBefore = setUp;
    expect(health).toMatch(/^HTTP\/1.1 200/);
    // Before, all 40 connects were authenticated and set up in the poll that also read the probe.
    expect(setUpBefore).toBeLessThan(N / 2);
    for (const a of await Promise.all(got.slice(0, N))) expect(a).toMatch(/^HTTP\/1.1 200[^]*content-type: text\/event-stream/);
    expect(setUp).toBe(N);
    core.ctx.bus.subscribe = subscribe;
    for (const s of sockets) s.destroy();
  });

  it('R-SCALE-10: a console that leaves while its connect waits for its turn leaves no stream behind', async () => {
    const N = 20;
    const sockets = await acceptedSockets(N + 1);
    // Streams set up and not yet ended: their status subscriptions.
    let live = 0;
    const subscribe = core.ctx.bus.subscribe.bind(core.ctx.bus);
    core.ctx.bus.subscribe = ((topic, fn) => {
      if (topic !== Topic.status) return subscribe(topic, fn);
      live++;
      const off = subscribe(topic, fn);
      return () => (live--, off());
    }) as typeof subscribe;
    const got = sockets.slice(0, N).map((s) => {
      let text = '';
      return new Promise<void>((ok) => s.on('data', (d: Buffer) => (text += d.toString()) && /event: status\ndata: /.test(text) && ok()));
    });
    const stream = `GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`;
    for (let k = 0; k < N; k++) sockets[k]!.write(stream);
    sockets[N]!.end(stream); // the last console is gone before its turn comes
    await Promise.all(got);
    await new Promise((r) => setTimeout(r, 200));
    expect(live).toBe(N);
    for (const s of sockets) s.destroy();
    await expect.poll(() => live).toBe(0);
    core.ctx.bus.subscribe = subscribe;
  });

  it('R-SCALE-10: a bad body still gets its 400 at its turn, and turns are given one per loop iteration in order', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: '{"summary": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^body is not valid JSON/);
    const turn = turns();
    const seen: string[] = [];
    const all = [0, 1, 2].map((i) => turn().then(() => seen.push(`turn ${i}`)));
    setImmediate(() => seen.push('immediate'));
    await Promise.all(all);
    expect(seen).toEqual(['turn 0', 'immediate', 'turn 1', 'turn 2']);
  });
});
