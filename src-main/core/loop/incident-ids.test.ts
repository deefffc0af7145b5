import { afterEach, describe, expect, it } from 'vitest';
import { ackBed, MIN, type AckBed } from '../ack/testing';
import { newIncidentId } from './incidents';

const beds: AckBed[] = [];
afterEach(async () => {
  for (const b of beds.splice(0)) await b.close();
});
const CONFIG = `
smoke: { enabled: false }
channels: [ { name: desk, type: desktop } ]
routes: [ { channels: [desk] } ]
`;

describe('incident ids', () => {
  it('R-SCALE-9: incidents get ids in the order they open (a storm appends to the incident tables), and the console finds each by its id', async () => {
    const bed = await ackBed(CONFIG);
    beds.push(bed);
    const opened: string[] = [];
    for (const name of ['DiskFull', 'HighLatency', 'TargetDown', 'CertExpiry', 'OOMKilled', 'NodeDown', 'SlowQueries', 'QueueFull']) {
      await bed.send({ fingerprint: name, labels: { alertname: name, instance: 'web1' }, summary: `${name} on web1` });
      const list = await bed.call<{ items: Array<{ id: string; title: string }> }>('incidents.list', {});
      opened.push(list.items.find((i) => i.title === `${name} on web1`)!.id);
      bed.clock.advance(MIN);
    }
    expect(new Set(opened).size).toBe(8);
    expect([...opened].sort()).toEqual(opened);
    for (const id of opened) expect(await bed.call<{ id: string }>('incidents.get', { id })).toMatchObject({ id });
  });

  it('R-SCALE-9: ids opened in the same millisecond are distinct and sort after every earlier millisecond', () => {
    const t = Date.UTC(2026, 11, 2, 19, 0);
    const same = Array.from({ length: 5_000 }, () => newIncidentId(t));
    expect(new Set(same).size).toBe(same.length);
    for (const id of same) expect(id).toMatch(/^i[0-9a-z]{17}$/);
    const before = newIncidentId(t - 1);
    const after = newIncidentId(t + 1);
    expect(same.every((id) => before < id && id < after)).toBe(true);
  });
});
