import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topic } from '../../src-shared/api/topics';
import type { StatusSnapshot } from '../../src-shared/api';
import { createCore, type Core } from '../core/app';
import { parseConfig } from '../core/config';
import { recordStatements } from '../core/store/testing';
import { createHttpServer } from './http';

// A burst of consoles connecting (100 after a restart, or bench health's) must not stall the main thread: each
// first snapshot and each held-notice retry is main-thread work, the retry a write that waits for the write lock.

const TOKEN = 'test-token-0123456789abcdefghijklmnop';
let dir: string;
let core: Core;
let app: FastifyInstance;
let port: number;
let snapshots = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-sse-burst-'));
  const config = parseConfig('channels: [{ name: desktop, type: desktop }]\nroutes: [{ channels: [desktop] }]\n');
  core = createCore({ config, dataDir: dir, log: pino({ level: 'silent' }), desktopShownByConsole: true });
  await core.start();
  const real = core.status;
  core.status = () => (snapshots++, real());
  app = await createHttpServer({ core, token: TOKEN });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await app.close();
  await core.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Stream {
  events: Array<{ event: string; data: unknown }>;
  next(event: string): Promise<unknown>;
  close(): void;
}

/** One console's SSE stream: its events as they come. */
function connect(): Promise<Stream> {
  return new Promise((ok, fail) => {
    const events: Stream['events'] = [];
    const waiters: Array<() => void> = [];
    let buf = '';
    const req = request({ host: '127.0.0.1', port, path: '/api/stream', headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      if (res.statusCode !== 200) return fail(new Error(`HTTP ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const m = /^event: (.+)\ndata: (.*)$/s.exec(buf.slice(0, i));
          buf = buf.slice(i + 2);
          if (m) events.push({ event: m[1]!, data: JSON.parse(m[2]!) });
          waiters.splice(0).forEach((w) => w());
        }
      });
      const stream: Stream = {
        events,
        next: (event) =>
          new Promise((got) => {
            const look = () => {
              const e = events.find((x) => x.event === event);
              if (e) return got(e.data);
              waiters.push(look);
            };
            look();
          }),
        close: () => req.destroy(),
      };
      ok(stream);
    });
    req.on('error', fail);
    req.end();
  });
}

describe('a burst of consoles connecting', () => {
  it('R-SCALE-15: 50 consoles connecting at once share the first status snapshot and one retry of held desktop messages; each gets every status published after', async () => {
    snapshots = 0;
    let streams: Stream[] = [];
    const ran = await recordStatements(async () => {
      streams = await Promise.all(Array.from({ length: 50 }, () => connect()));
      await Promise.all(streams.map((s) => s.next(Topic.status)));
    });
    // One snapshot per half second of connects (a loaded machine may spread them), never one per console.
    expect(snapshots).toBeGreaterThanOrEqual(1);
    expect(snapshots).toBeLessThan(10);
    const retries = ran.filter((r) => /^UPDATE outbox SET next_attempt_at = \? WHERE channel = \?/.test(r.sql));
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries.length).toBeLessThan(10);
    for (const s of streams) expect((s.events[0]!.data as StatusSnapshot).tiles.map((t) => t.id)).toContain('core');

    // A status published later reaches every open stream, the same text for all.
    const paused = await core.call('notifications.pause', { minutes: 5 });
    expect(paused.ok).toBe(true);
    const until = (paused as { value: { pausedUntil: number } }).value.pausedUntil;
    for (const s of streams) {
      await expect
        .poll(() => s.events.some((e) => e.event === Topic.status && (e.data as StatusSnapshot).notificationsPausedUntil === until))
        .toBe(true);
    }
    streams.forEach((s) => s.close());

    // A console connecting after that change is not shown the older shared snapshot.
    const late = await connect();
    expect(((await late.next(Topic.status)) as StatusSnapshot).notificationsPausedUntil).toBe(until);
    late.close();
    await core.call('notifications.pause', { minutes: 0 });
  });

  it('R-SCALE-15: a console connecting more than half a second after the last one gets a fresh snapshot', async () => {
    const first = await connect();
    await first.next(Topic.status);
    first.close();
    snapshots = 0;
    await new Promise((r) => setTimeout(r, 600));
    const second = await connect();
    await second.next(Topic.status);
    second.close();
    expect(snapshots).toBe(1);
  });

  it('R-SCALE-15: consoles that left before the trailing retry cost no retry; the next console to connect retries at once', async () => {
    const retries = (ran: Array<{ sql: string }>) =>
      ran.filter((r) => /^UPDATE outbox SET next_attempt_at = \? WHERE channel = \?/.test(r.sql));
    await new Promise((r) => setTimeout(r, 1_100)); // past the second of the last retry
    const burst = await recordStatements(async () => {
      // The first connect retries at once; the others, within the second, would be covered by a trailing retry.
      const leave = Array.from({ length: 3 }, () => core.consoles!.connect('admin'));
      leave.forEach((l) => l());
      await new Promise((r) => setTimeout(r, 1_300));
    });
    expect(retries(burst)).toHaveLength(1);
    const next = await recordStatements(() => core.consoles!.connect('admin')());
    expect(retries(next)).toHaveLength(1);
  });
});
