import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock';
import { normaliseAmWebhook } from '../ingest';
import type { EventRecord } from '../store';
import { useCoreBed } from './testbed';

/** What a group commit stores is the events whole: a crash before deciding loses no field of a 202'd event. */
const bed = useCoreBed('group-commit');
const dir = bed.tempDir();
const open = () => bed.open(dir, { clock: new FakeClock() });

const webhook = (k: number) => {
  const n = normaliseAmWebhook({
    version: '4',
    groupKey: `{}:{alertname="Disk${k}"}`,
    status: 'firing',
    receiver: 'vigil',
    externalURL: 'http://am:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: `Disk${k}`, severity: 'critical', instance: `db${k}` },
        annotations: { summary: `disk full on db${k}`, description: 'over 95% — résumé ✓', runbook_url: 'http://wiki/disk' },
        startsAt: '2026-01-05T12:00:00Z',
        generatorURL: 'http://prom/graph',
        fingerprint: `f${k}`,
      },
      { labels: { alertname: `Disk${k}`, instance: `db${k}b` }, fingerprint: `g${k}` },
    ],
  });
  if (!n.ok) throw new Error(n.message);
  return n.events;
};

/** The fields an intake event has before it is decided (the deciding pass appends to the trace). */
const asAccepted = (e: EventRecord) => {
  const { seq: _s, processed: _p, outcome: _o, triage: _t, channels: _c, trace, ...rest } = e;
  return { ...rest, trace: trace.slice(0, 2) };
};

describe('HTTP intake group commit (R-ROUTE-2)', () => {
  it('R-ROUTE-2: requests committed together and caught by a crash before deciding come back whole: every field, each event once', async () => {
    const a = open();
    const ids = (
      await Promise.all([a.accept(webhook(1), 'POST /api/v1/alerts/alertmanager', 900), a.accept(webhook(2), 'POST /x')])
    ).flat();
    expect(ids).toHaveLength(4);
    const queued = ids.map((id) => a.areas.router.queued(id)!);
    expect(queued[0]).toMatchObject({
      processed: false,
      annotations: { summary: 'disk full on db1', description: 'over 95% — résumé ✓', runbook_url: 'http://wiki/disk' },
      generatorURL: 'http://prom/graph',
      origin: { externalURL: 'http://am:9093', groupKey: '{}:{alertname="Disk1"}', receiver: 'vigil' },
      trace: [{ stage: 'normalise', detail: 'POST /api/v1/alerts/alertmanager' }, { stage: 'persist' }],
    });
    expect(queued[3]).toMatchObject({ annotations: {}, generatorURL: null, trace: [{ detail: 'POST /x' }, {}] });
    // "Crash" before the deciding pass ran: only the inbox holds the events.
    await bed.crash(a);

    const b = open();
    await b.start();
    await b.areas.router.drain();
    for (const [k, id] of ids.entries()) {
      const e = b.areas.router.events.get(id)!;
      expect(e).toMatchObject({ processed: true, outcome: expect.any(String) });
      expect(asAccepted(e)).toEqual(asAccepted(queued[k]!));
    }
    expect((b.areas.db.prepare(`SELECT count(*) AS n FROM events`).get() as { n: number }).n).toBe(4);
    await b.stop();
  });
});
