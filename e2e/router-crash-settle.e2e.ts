import BetterSqlite3 from 'better-sqlite3';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelFingerprint } from '../src-main/core/ingest';
import { crashDataDir, postIntake } from './fixtures/crash';
import { startVigil, type Served } from './fixtures/serve';

/**
 * R-ROUTE-2, R-INBOX-1: inbox rows leave inbox.db only through the seq vigil.db records as synced (router/inbox.ts
 * settleInbox). `kill -9` the real `vigil serve` again and again while it decides a stream of updates to the same
 * alerts (some inbox rows already deleted behind a settle, others waiting), restart it each time, and prove every
 * acknowledged update is decided exactly once and each alert's updates in the order they were acknowledged.
 */
const { dataDir, config, running } = crashDataDir('vigil-crash-settle-');

const LOOPS = 16;
const PER_REQUEST = 20;
/** Alert `a`'s labels: one alertname per ten alerts, as `bench router`'s storm. */
const labels = (a: number) => ({ alertname: `SettleAlert${Math.floor(a / 10)}`, instance: `host-${a}`, severity: 'warning' });

/** Update `u` of alerts `loop * PER_REQUEST …` as one Alertmanager webhook; the ids answered, in the alerts' order. */
function post(s: Served, agent: Agent, loop: number, u: number): Promise<string[] | null> {
  const alerts = Array.from({ length: PER_REQUEST }, (_, k) => {
    const l = labels(loop * PER_REQUEST + k);
    return {
      status: 'firing',
      labels: l,
      annotations: { summary: `update ${u}` },
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.local/graph',
      fingerprint: labelFingerprint(l, ''),
    };
  });
  const body = JSON.stringify({ version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'vigil', alerts });
  return postIntake(s, agent, '/api/v1/alerts/alertmanager', body).then((r) => (r.status === 202 ? r.ids : null));
}

/** The seq through which rows have left inbox.db (deleted behind a settle of vigil.db), and the last seq handed out. */
function inboxNow(): { deleted: number; last: number } {
  const inbox = new BetterSqlite3(join(dataDir, 'inbox.db'), { readonly: true, fileMustExist: true });
  try {
    const r = inbox
      .prepare(`SELECT (SELECT min(seq) FROM inbox) AS first, (SELECT seq FROM sqlite_sequence WHERE name = 'inbox') AS last`)
      .get() as { first: number | null; last: number | null };
    return { deleted: r.first === null ? (r.last ?? 0) : r.first - 1, last: r.last ?? 0 };
  } finally {
    inbox.close();
  }
}

describe('crash safety of deciding while decided rows leave the inbox (R-ROUTE-2)', () => {
  it('R-ROUTE-2, R-INBOX-1: kill -9 while the decider decides and has settled rows deleted, three times: every acknowledged update decided once, in order per alert', async () => {
    /** Acknowledged ids by alert, in the order acknowledged; the next update's number for each loop. */
    const acked = new Map<number, string[]>();
    const next = Array.from({ length: LOOPS }, () => 0);
    let deletedBehindSettle = 0;
    for (let cycle = 0; cycle < 3; cycle++) {
      const s = await startVigil({ dataDir, config, env: { VIGIL_DECIDER: 'worker' } });
      running.push(s);
      const agent = new Agent({ keepAlive: true, maxSockets: LOOPS });
      let dead = false;
      // Each loop posts its alerts' updates one after another: an update is sent only once the one before is answered.
      const loop = async (l: number) => {
        while (!dead) {
          const u = next[l]!++; // an unanswered update's number is never reused: it may be stored
          const ids = await post(s, agent, l, u);
          if (!ids) return void (dead = true);
          ids.forEach((id, k) => {
            const a = l * PER_REQUEST + k;
            acked.set(a, [...(acked.get(a) ?? []), id]);
          });
        }
      };
      const loops = Array.from({ length: LOOPS }, (_, l) => loop(l));
      // Kill once rows have left the inbox behind a settle in this run, at a point of the 500 ms settle cycle that moves.
      const { last } = inboxNow();
      await expect.poll(() => inboxNow().deleted > last, { timeout: 60_000, interval: 20 }).toBe(true);
      deletedBehindSettle++;
      await new Promise((r) => setTimeout(r, 100 + cycle * 170));
      s.proc.kill('SIGKILL');
      await Promise.all(loops);
      await new Promise<void>((r) => (s.proc.exitCode !== null || s.proc.signalCode !== null ? r() : s.proc.once('exit', () => r())));
      agent.destroy();
      expect(s.proc.signalCode).toBe('SIGKILL');
    }
    expect(deletedBehindSettle).toBe(3);

    const last = await startVigil({ dataDir, config, env: { VIGIL_DECIDER: 'worker' } });
    running.push(last);
    await last.stop('SIGTERM'); // replays what the last kill left, then drains

    const db = new BetterSqlite3(join(dataDir, 'vigil.db'), { readonly: true });
    try {
      // events has no index by fingerprint: every row once, in seq order, by alert.
      const byFp = new Map<string, Array<{ id: string; processed: number; summary: string }>>();
      const all = db.prepare(`SELECT id, fingerprint, processed, summary FROM events ORDER BY seq`).all();
      for (const r of all as Array<{ id: string; fingerprint: string; processed: number; summary: string }>)
        byFp.set(r.fingerprint, [...(byFp.get(r.fingerprint) ?? []), r]);
      const stateOf = db.prepare(`SELECT count, last_event_id AS last FROM alert_state WHERE fingerprint = ?`);
      const problems: string[] = [];
      let total = 0;
      for (const [a, ids] of acked) {
        const fp = labelFingerprint(labels(a), '');
        const rows = byFp.get(fp) ?? [];
        total += ids.length;
        // Every acknowledged update is there once, decided; rows of unanswered updates may be there too (stored, not answered).
        const got = rows.map((r) => r.id);
        const missing = ids.filter((id) => !got.includes(id));
        if (missing.length) problems.push(`alert ${a}: ${missing.length} acknowledged updates missing`);
        if (rows.some((r) => r.processed !== 1)) problems.push(`alert ${a}: an update not decided`);
        // In order: the acknowledged ones in the order acknowledged, and the updates' numbers rising along the seqs.
        const order = got.filter((id) => ids.includes(id));
        if (order.join() !== ids.join()) problems.push(`alert ${a}: decided out of order`);
        const nums = rows.map((r) => Number(r.summary.replace('update ', '')));
        if (nums.some((n, i) => i > 0 && n <= nums[i - 1]!)) problems.push(`alert ${a}: updates ${nums.join(',')}`);
        // Decided once each: the alert's state counted every stored update once and ends at its last one.
        const st = stateOf.get(fp) as { count: number; last: string } | undefined;
        if (st?.count !== rows.length || st.last !== got[got.length - 1]) problems.push(`alert ${a}: state ${JSON.stringify(st)}`);
      }
      expect(problems).toEqual([]);
      expect(acked.size).toBe(LOOPS * PER_REQUEST);
      expect(total).toBeGreaterThan(3 * LOOPS * PER_REQUEST);
      // Nothing decided twice: one notification per alert (its first update), one outbox row each.
      expect((db.prepare(`SELECT count(*) AS n FROM outbox WHERE idem_key LIKE '%:alert:desktop'`).get() as { n: number }).n).toBe(
        (db.prepare(`SELECT count(*) AS n FROM events WHERE outcome = 'notified'`).get() as { n: number }).n,
      );
    } finally {
      db.close();
    }
  });
});
