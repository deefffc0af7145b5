import { afterEach, describe, expect, it } from 'vitest';
import { createNoise, createRouter, type IntakeEvent } from '../router';
import { alertEvent, recordingOutbox, testContext, type TestContext } from '../router/testing';
import { incidentStage } from './incidents';

const ctxs: TestContext[] = [];
afterEach(() => ctxs.splice(0).forEach((c) => c.close()));

const YAML = `
router: { groupWindow: 30s, burstThreshold: 50 }
channels: [{ name: sink, type: webhook, url: "http://127.0.0.1:9/hook", digest: 0 }]
routes: [{ channels: [sink] }]
`;

/** 3 alertnames × 10 instances, all new: a first delivery as the router bench sends it. */
const storm = (): IntakeEvent[] =>
  Array.from({ length: 30 }, (_, i) =>
    alertEvent({
      fingerprint: `fp-${i}`,
      severity: 'warning',
      summary: `Bench ${Math.floor(i / 10)} on host-${i}`,
      labels: { alertname: `Bench${Math.floor(i / 10)}`, instance: `host-${i}` },
    }),
  );

describe('deciding writes what the transaction knows once, and a rollback leaves none of it', () => {
  it('R-ROUTE-2/R-LOOP-3/R-NOISE-1: a batch that rolls back after its incidents and groups were written leaves no half-written incident or group; the retry opens one incident and one group per alertname with every alert', async () => {
    const h = testContext({ yaml: YAML });
    ctxs.push(h);
    let boom = true;
    let before = 0;
    // Fails the 25th alert once, after the group and incident stages of the first 24 ran in the same transaction.
    const explode = {
      name: 'explode',
      always: true,
      run(ev: { fingerprint: string }) {
        if (ev.fingerprint !== 'fp-24' || !boom) return;
        boom = false;
        before = (h.db.prepare(`SELECT count(*) AS n FROM alert_incidents`).get() as { n: number }).n;
        throw new Error('disk I/O error');
      },
    };
    const outbox = recordingOutbox(h.db);
    const router = createRouter(h.ctx, { outbox, extraStages: [{ before: 'plan', stage: explode }] });
    createNoise(h.ctx, outbox, router);
    router.fill(incidentStage(h.ctx.stores.loop));
    const ids = router.ingest(storm(), 'test');
    await router.drain(); // deciding at intake rolled back; the batch stayed in the inbox and was decided again
    expect(boom).toBe(false);
    expect(before).toBe(3); // the failed attempt had written them, in the transaction that rolled back

    const all = <T>(sql: string) => h.db.prepare(sql).all() as T[];
    const incidents = all<{ id: string; group_key: string; status: string }>(
      `SELECT id, group_key, status FROM alert_incidents ORDER BY group_key`,
    );
    expect(incidents.map((i) => [i.group_key, i.status])).toEqual([
      ['r0|alertname=Bench0', 'open'],
      ['r0|alertname=Bench1', 'open'],
      ['r0|alertname=Bench2', 'open'],
    ]);
    for (const i of incidents)
      expect(all<{ n: number }>(`SELECT count(*) AS n FROM incident_members WHERE incident_id = '${i.id}'`)[0]!.n).toBe(10);
    expect(all<{ kind: string }>(`SELECT kind FROM incident_entries`).map((e) => e.kind)).toEqual(['opened', 'opened', 'opened']);

    // One head row per group, as it stood after its batch: 10 members, none waiting (its first message names them).
    const groups = all<{ body: string }>(`SELECT body FROM noise_state WHERE kind = 'group' ORDER BY key`).map(
      (r) => JSON.parse(r.body) as { size: number; firing: number; pending: string[] },
    );
    expect(groups.map((g) => [g.size, g.firing, g.pending.length])).toEqual([
      [10, 10, 0],
      [10, 10, 0],
      [10, 10, 0],
    ]);
    // Members: one row per group for the one deciding transaction that committed, ten members each (R-SCALE-31).
    expect(all<{ n: number }>(`SELECT json_array_length(body) AS n FROM noise_members ORDER BY owner`).map((r) => r.n)).toEqual([
      10, 10, 10,
    ]);

    const outcomes = ids.map((id) => router.events.get(id)!.outcome);
    expect(outcomes.filter((o) => o === 'notified')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'grouped')).toHaveLength(27);
    expect(outbox.sent().map((s) => s.message.title)).toEqual([
      'WARNING: Bench0 — 10 alerts on host-0, host-1, host-2 … +7 more',
      'WARNING: Bench1 — 10 alerts on host-10, host-11, host-12 … +7 more',
      'WARNING: Bench2 — 10 alerts on host-20, host-21, host-22 … +7 more',
    ]);
    // Each event's trace names its incident once: opened for the first of a group, joined for the others.
    const inc = ids.map((id) =>
      router.events
        .get(id)!
        .trace.filter((t) => t.stage === 'incident')
        .map((t) => t.result),
    );
    expect(inc.filter((r) => r.join() === 'opened')).toHaveLength(3);
    expect(inc.filter((r) => r.join() === 'joined')).toHaveLength(27);
  });

  it('R-ROUTE-2/R-LOOP-3: a member status written in a transaction that rolled back is not remembered: the retried resolution resolves the incident', async () => {
    const h = testContext({ yaml: YAML });
    ctxs.push(h);
    let boom = false;
    // Fails the resolution once, after the incident stage wrote its member 'resolved' (and resolved the incident).
    const explode = {
      name: 'explode',
      always: true,
      run(ev: { status: string }) {
        if (ev.status !== 'resolved' || !boom) return;
        boom = false;
        throw new Error('disk I/O error');
      },
    };
    const outbox = recordingOutbox(h.db);
    const router = createRouter(h.ctx, { outbox, extraStages: [{ before: 'plan', stage: explode }] });
    router.fill(incidentStage(h.ctx.stores.loop));
    const alert = (status: 'firing' | 'resolved') =>
      alertEvent({ fingerprint: 'fp-1', status, labels: { alertname: 'DiskFull', instance: 'host-1' } });
    router.ingest([alert('firing')], 'test');
    await router.drain();
    boom = true;
    router.ingest([alert('resolved')], 'test');
    await router.drain(); // rolled back once, then decided again
    expect(boom).toBe(false);
    const row = <T>(sql: string) => h.db.prepare(sql).get() as T;
    expect(row<{ status: string }>(`SELECT status FROM incident_members WHERE fingerprint = 'fp-1'`).status).toBe('resolved');
    expect(row<{ status: string }>(`SELECT status FROM alert_incidents`).status).toBe('resolved');
  });
});
