import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src-shared/api/alerts';
import { createCore, type Core } from '../app';
import { FakeClock } from '../clock';
import { parseConfig } from '../config';
import { normalisePostableAlerts } from '../ingest';

/**
 * The alerts answer cache (cache.ts) may never show a state the database,
 * the config or the clock has moved past: each case below changes exactly
 * one of them between two identical queries.
 */
let core: Core;
afterEach(async () => core?.stop());

const Q = { filter: [], active: true, silenced: true, inhibited: true, unprocessed: true, includeResolved: false };

async function start(clock: FakeClock, yaml = 'smoke: { enabled: false }'): Promise<void> {
  core = createCore({ config: parseConfig(yaml), dataDir: null, clock });
  await core.start();
  const n = normalisePostableAlerts(
    [
      { labels: { alertname: 'DiskFull', instance: 'db1' }, endsAt: new Date(clock.now() + 10 * 60_000).toISOString() },
      { labels: { alertname: 'DiskFull', instance: 'db2' } },
    ],
    clock.now(),
  );
  if (!n.ok) throw new Error(n.message);
  core.areas.router.ingest(n.events, 'test');
  await core.areas.router.drain();
}
const list = async (): Promise<Alert[]> => {
  const r = await core.call('alerts.list', Q);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const states = async () => Object.fromEntries((await list()).map((a) => [a.labels.instance, a.status.state]));

describe('alerts answer cache', () => {
  it('R-ALERT-3: an unchanged state gives the same answer object; a silence starting later suppresses when its time comes', async () => {
    const clock = new FakeClock();
    await start(clock);
    // The router's after-commit work and the outbox's claim/settle steps may still write for a few turns: wait for quiet.
    let [a, b] = [await list(), await list()];
    for (let i = 0; a !== b && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 20));
      [a, b] = [await list(), await list()];
    }
    expect(a).toBe(b); // nothing written in between: the answer is reused, not rebuilt
    const at = clock.now() + 60_000;
    const s = await core.call('silences.create', {
      matchers: [{ name: 'instance', op: '=', value: 'db2' }],
      startsAt: at,
      endsAt: at + 3_600_000,
      createdBy: 'ann',
      comment: 'later',
    });
    expect(s.ok).toBe(true);
    expect(await states()).toEqual({ db1: 'active', db2: 'active' });
    clock.advance(60_000); // nothing written: only the clock moved
    expect(await states()).toEqual({ db1: 'active', db2: 'suppressed' });
  });

  it('R-ALERT-1: an alert whose endsAt passes leaves the firing list without any write; an ack shows at once', async () => {
    const clock = new FakeClock();
    await start(clock);
    expect((await list()).map((a) => a.labels.instance).sort()).toEqual(['db1', 'db2']);
    const db2 = (await list()).find((a) => a.labels.instance === 'db2')!;
    expect((await core.call('alerts.ack', { fingerprint: db2.fingerprint, by: 'ann' })).ok).toBe(true);
    expect((await list()).find((a) => a.labels.instance === 'db2')!.vigil.ack?.by).toBeTruthy();
    clock.advance(10 * 60_000);
    expect((await list()).map((a) => a.labels.instance)).toEqual(['db2']);
  });
});
