import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../message';
import { openDatabase } from './db';
import { sqliteOutboxStore, STATUS_SQL } from './outbox';

// The outbox figures of the status snapshot (every SSE connect, every 5 s tick) are counted in indexes, never by
// reading each waiting row (R-SCALE-19). Held to the truth here: the plain GROUP BY over the rows they stand for.

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-outbox-counts-'));
  dirs.push(dir);
  const { db } = openDatabase(join(dir, 'vigil.db'));
  return { db, store: sqliteOutboxStore(db) };
}

const msg = (i: number): Message => ({ title: `alert ${i}`, body: 'x'.repeat(400), severity: 'warning' }) as Message;

type Db = ReturnType<typeof open>['db'];
const truth = (db: Db, since: number) =>
  db
    .prepare(
      `SELECT channel, sum(state IN ('pending', 'sending')) AS backlog,
              min(CASE WHEN state IN ('pending', 'sending') THEN created_at END) AS oldestPendingAt,
              sum(state = 'failed' AND created_at >= @since) AS failed, sum(state = 'expired' AND created_at >= @since) AS expired
       FROM outbox WHERE state IN ('pending', 'sending') OR (state IN ('failed', 'expired') AND created_at >= @since)
       GROUP BY channel ORDER BY channel`,
    )
    .all({ since });

describe('outbox status counts', () => {
  it('R-SCALE-19: backlog, oldest waiting and recent failures per channel match the rows, through every state', () => {
    const { db, store } = open();
    const ids: Record<string, number[]> = {};
    let now = 1_000;
    const add = (channel: string, n: number) => {
      for (let i = 0; i < n; i++, now += 10) {
        store.insert({ channel, key: `${channel}-${now}`, message: msg(now), now, expiresAt: now + 1e9 });
        (ids[channel] ??= []).push(db.prepare('SELECT max(id) AS id FROM outbox').pluck().get() as number);
      }
    };
    const check = (since: number) => expect(store.counts(since)).toEqual(truth(db, since));
    check(0);
    add('desktop', 50);
    add('tg', 10);
    add('gone', 3); // a channel no longer configured still shows
    check(0);
    db.transaction(() => {
      store.claim('desktop', now, 5); // sending counts as waiting
      for (const id of ids.tg!.slice(0, 4)) store.markSent(id, now); // delivered history is not counted
      store.markFailed(ids.tg![4]!, 'HTTP 400', now);
      store.expireMessage(ids.desktop![30]!, 'expired by hand');
      store.markDropped(ids.desktop![31]!, 'acknowledged meanwhile');
    })();
    check(0);
    check(1_000 + 10 * 40); // failures before `since` are not recent
    db.transaction(() => {
      for (const id of ids.gone!) store.markSent(id, now); // nothing left: the channel is not listed
      store.addDigest('desktop', 'digest:1', msg(0), ids.desktop!.slice(5, 20), now, now + 1e9);
    })();
    check(0);
    expect(store.counts(0).map((c) => c.channel)).toEqual(['desktop', 'tg']);
  });

  it('R-SCALE-19: no status count reads a table row per waiting message (covering indexes only)', () => {
    const { db, store } = open();
    db.transaction(() => {
      for (let i = 0; i < 2_000; i++) store.insert({ channel: 'desktop', key: `k${i}`, message: msg(i), now: i, expiresAt: 1e12 });
    })();
    const plan = (sql: string, ...args: unknown[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>)
        .map((r) => r.detail)
        .filter((d) => /outbox/.test(d));
    // The waiting rows and the channel list: index only (a plain "USING INDEX" reads the row behind every entry).
    for (const d of [...plan(STATUS_SQL.channelAfter, ''), ...plan(STATUS_SQL.live, 'desktop')]) expect(d).toMatch(/USING COVERING INDEX/);
    // Recent failures: a range of (state, created_at), bounded by time, not by what waits.
    expect(plan(STATUS_SQL.lost, 0)).toEqual([expect.stringMatching(/USING INDEX outbox_state_created \(state=\? AND created_at>\?\)/)]);
    expect(store.counts(0)).toEqual([{ channel: 'desktop', backlog: 2_000, oldestPendingAt: 0, failed: 0, expired: 0 }]);
  });
});
