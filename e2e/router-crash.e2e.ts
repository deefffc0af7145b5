import BetterSqlite3 from 'better-sqlite3';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crashDataDir, postIntake } from './fixtures/crash';
import { startVigil, type Served } from './fixtures/serve';

/**
 * R-ROUTE-2: `kill -9` the real `vigil serve` in the middle of a burst of
 * ingests, restart it on the same data dir, and prove every event that was
 * answered 202 is stored, processed and has its notification in the outbox.
 */
const { dataDir, config, running } = crashDataDir('vigil-crash-');

/** One generic event; one alertname each: not grouped or folded into a burst (R-NOISE). */
const postEvent = (s: Served, agent: Agent, i: number) =>
  postIntake(
    s,
    agent,
    '/api/v1/events',
    JSON.stringify({
      source: 'crash-test',
      severity: 'critical',
      summary: `burst event ${i}`,
      labels: { alertname: `Burst${i}`, n: String(i) },
    }),
  );

describe('crash safety (R-ROUTE-2)', () => {
  it('R-ROUTE-2, R-SCALE-7: after kill -9 mid-burst, every event that got a 202 is stored, processed and notified', async () => {
    const first = await startVigil({ dataDir, config, env: { VIGIL_DECIDER: 'worker' } });
    running.push(first);
    // R-SCALE-7: the events are decided on the decider worker thread, the kill takes it down mid-decide with the rest.
    const status = await first.rpc<{ tiles: Array<{ id: string; reason: string }> }>('status.get', {});
    expect(status.tiles.find((t) => t.id === 'router-inbox')?.reason).toContain('decided on the decider thread');
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const acked: string[] = [];
    let sent = 0;
    let killed = false;
    let dead = false;
    // The kill comes from a timer, not from a response: answers come a group commit at a time, and the server must
    // die with requests in flight, some in the intake thread's commit. Every client keeps posting until its request fails.
    const worker = async () => {
      while (!dead && sent < 20_000) {
        const r = await postEvent(first, agent, sent++);
        if (r.status === 0) dead = true;
        acked.push(...r.ids);
        if (acked.length >= 1500 && !killed) {
          killed = true;
          setTimeout(() => first.proc.kill('SIGKILL'), 20);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await new Promise<void>((r) =>
      first.proc.exitCode !== null || first.proc.signalCode !== null ? r() : first.proc.once('exit', () => r()),
    );
    agent.destroy();
    expect(first.proc.signalCode).toBe('SIGKILL');
    expect(sent).toBeGreaterThan(acked.length); // some requests were cut off unanswered

    // What the crash left: acknowledged events still in the inbox (replayed at start-up).
    // (inbox.db rows after the seq vigil.db records as decided, in the deciding transaction.)
    const peek = new BetterSqlite3(join(dataDir, 'vigil.db'));
    const decided = (peek.prepare(`SELECT decided FROM inbox_cursor`).get() as { decided: number }).decided;
    peek.close();
    const inbox = new BetterSqlite3(join(dataDir, 'inbox.db'));
    const inboxAtCrash = (inbox.prepare(`SELECT coalesce(sum(n), 0) AS n FROM inbox WHERE seq > ?`).get(decided) as { n: number }).n;
    inbox.close();
    console.log(`crash test: ${sent} sent, ${acked.length} acknowledged, ${inboxAtCrash} left in the inbox by kill -9`);

    const second = await startVigil({ dataDir, config, env: { VIGIL_DECIDER: 'worker' } });
    running.push(second);
    await second.stop('SIGTERM');

    const db = new BetterSqlite3(join(dataDir, 'vigil.db'), { readonly: true });
    try {
      const ev = db.prepare(`SELECT processed, outcome FROM events WHERE id = ?`);
      const out = db.prepare(`SELECT count(*) AS n FROM outbox WHERE channel = 'desktop' AND idem_key = ?`);
      const missing = acked.filter((id) => !ev.get(id));
      const unprocessed = acked.filter((id) => (ev.get(id) as { processed: number } | undefined)?.processed !== 1);
      const notNotified = acked.filter((id) => (out.get(`${id}:alert:desktop`) as { n: number }).n !== 1);
      expect({ acked: acked.length, missing: missing.length, unprocessed: unprocessed.length, notNotified: notNotified.length }).toEqual({
        acked: acked.length,
        missing: 0,
        unprocessed: 0,
        notNotified: 0,
      });
      expect(acked.length).toBeGreaterThanOrEqual(1500);
      // Nothing processed twice: one outbox row per acknowledged event.
      expect((db.prepare(`SELECT count(*) AS n FROM outbox WHERE idem_key LIKE '%:alert:desktop'`).get() as { n: number }).n).toBe(
        (db.prepare(`SELECT count(*) AS n FROM events WHERE source = 'crash-test' AND outcome = 'notified'`).get() as { n: number }).n,
      );
    } finally {
      db.close();
    }
  });
});
