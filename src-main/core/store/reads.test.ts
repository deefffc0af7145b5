import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, smokeNdjsonChunk, sqliteStores, threadClient, type Stores } from './index';

const dirs: string[] = [];
const open: Stores[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.reads.close();
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function seeded(n: number): { stores: Stores; t0: number } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-reads-'));
  dirs.push(dir);
  const file = join(dir, 'vigil.db');
  const { db } = openDatabase(file);
  const stores = sqliteStores(db, file);
  open.push(stores);
  const t0 = 1_700_000_000_000;
  stores.transaction(() => {
    for (let i = 0; i < n; i++) {
      const at = t0 + i * 1_000;
      const e = {
        id: `e${i}`,
        source: 'api',
        fingerprint: `f${i % 50}`,
        severity: (['info', 'warning', 'critical'] as const)[i % 3]!,
        status: 'firing' as const,
        summary: `event ${i}`,
        description: null,
        labels: { alertname: 'X' },
        startsAt: at,
        endsAt: null,
        receivedAt: at,
        trace: [],
      };
      stores.events.insertDecided(e, { outcome: 'stored', trace: [], triage: null, channels: [] });
    }
    stores.smoke.insert(
      Array.from({ length: 300 }, (_, i) => ({
        at: t0 + i * 60_000,
        check: 'router_queue' as const,
        status: 'ok' as const,
        value: 0,
        reason: '',
      })),
    );
  });
  return { stores, t0 };
}

describe('heavy reads off the main thread', () => {
  it('R-SEC-4: trend queries and export chunks on a database file are answered by a worker thread while the main loop keeps turning', async () => {
    const { stores, t0 } = seeded(20_000);
    expect(stores.reads.runsOn).toBe('worker');
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const stats = await stores.reads.eventStats(t0, t0 + 20_000_000, 3_600_000);
    const chunk = await stores.reads.smokeChunk({ since: 0, until: Number.MAX_SAFE_INTEGER, after: null, limit: 1_000 });
    spinning = false;
    // Same answers as the main connection's, but the main thread was free meanwhile (inline reads answer before a turn).
    expect(stats).toEqual(stores.events.stats(t0, t0 + 20_000_000, 3_600_000));
    expect(stats.reduce((n, r) => n + r.n, 0)).toBe(20_000);
    // The same NDJSON as the main connection's, made and UTF-8 encoded on the reads thread.
    expect(chunk.text).toBeInstanceOf(Uint8Array);
    const text = Buffer.from(chunk.text as Uint8Array).toString('utf8');
    expect({ ...chunk, text }).toEqual(
      smokeNdjsonChunk(stores.smoke, { since: 0, until: Number.MAX_SAFE_INTEGER, after: null, limit: 1_000 }),
    );
    expect(chunk.rows).toBe(300);
    expect(text.split('\n')).toHaveLength(301); // 300 lines
    expect(turns).toBeGreaterThan(0);
  });
});

describe('export chunks move from the reads thread (R-SCALE-39)', () => {
  it('R-SCALE-39: an export chunk reaches the main thread as bytes in a buffer of their own, exactly the chunk (not a copy of a shared pool)', async () => {
    const { stores } = seeded(0);
    // 5 rows (~0.5 KB): Buffer.from put such bytes in Node's shared 8 KB pool, and a copy of the whole pool crossed.
    const q = { since: 0, until: Number.MAX_SAFE_INTEGER, after: null, limit: 5 };
    const chunk = await stores.reads.smokeChunk(q);
    expect(chunk.text).toBeInstanceOf(Uint8Array);
    const bytes = chunk.text as Uint8Array;
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    expect(Buffer.from(bytes).toString('utf8')).toBe(smokeNdjsonChunk(stores.smoke, q).text);
    expect(chunk.rows).toBe(5);
  });

  it('R-SCALE-39: a thread answer marked transferred() moves its buffers to the asking thread: they are gone from the answering one', async () => {
    // A real worker thread answering with serveRequests: "give" answers 64 KB transferred, "left" how many bytes it still holds.
    const threads = join(__dirname, 'threads.ts');
    const source = `require('tsx/cjs');
      const { parentPort } = require('node:worker_threads');
      const { serveRequests, transferred } = require(${JSON.stringify(threads)});
      let given = null;
      serveRequests(parentPort, (req) => {
        if (req.op === 'left') return given.byteLength;
        given = new Uint8Array(65536).fill(7);
        return req.op === 'give' ? transferred({ bytes: given }, [given.buffer]) : { bytes: given };
      });`;
    const client = threadClient({ source, eval: true }, null, 0);
    try {
      const moved = await client.ask<{ bytes: Uint8Array }>('give');
      expect(moved.bytes.byteLength).toBe(65536);
      expect(moved.bytes[65535]).toBe(7);
      expect(await client.ask('left')).toBe(0); // detached: the thread no longer holds the bytes
      await client.ask('copy');
      expect(await client.ask('left')).toBe(65536); // a plain answer is copied
    } finally {
      await client.close();
    }
  });
});
