import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentView } from '../../../src-shared/api/incidents';
import { ackBed, MIN, type AckBed } from '../ack/testing';

/** A flapping alert is one story: its group's incident reopens instead of a new incident per flap. */
const beds: AckBed[] = [];
afterEach(async () => {
  for (const b of beds.splice(0)) await b.close();
});
const CONFIG = `
smoke: { enabled: false }
router: { flapWindow: 10m }
channels: [ { name: desk, type: desktop } ]
routes: [ { channels: [desk] } ]
`;
const list = async (bed: AckBed) =>
  (await bed.call<{ items: Array<{ id: string; status: string; resolvedAt: number | null }> }>('incidents.list', {})).items;

describe('incidents of a flapping alert', () => {
  it('R-LOOP-3: an alert that fires again within the flap window reopens its incident (one incident, the whole story); after the window a new one opens', async () => {
    const bed = await ackBed(CONFIG);
    beds.push(bed);
    const flap = async (gapMs: number) => {
      await bed.send({ status: 'resolved' });
      bed.clock.advance(gapMs);
      await bed.send({ status: 'firing' });
      bed.clock.advance(5_000);
    };
    await bed.send();
    bed.clock.advance(5_000);
    for (let i = 0; i < 4; i++) await flap(8_000);
    // Before: five incidents, four of them resolved after 5 s each.
    const one = await list(bed);
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ status: 'open', resolvedAt: null });
    const inc = await bed.call<IncidentView>('incidents.get', { id: one[0]!.id });
    expect(inc.timeline.filter((e) => e.kind === 'reopened').map((e) => e.text)).toEqual(
      Array(4).fill('fired again 8 s after it resolved: incident reopened'),
    );
    expect(inc.timeline.filter((e) => e.kind === 'alert')).toHaveLength(9); // every firing and resolution is on it

    await flap(11 * MIN); // quiet for longer than the flap window: a new incident
    const two = await list(bed);
    expect(two.map((i) => i.status)).toEqual(['open', 'resolved']);
  });
});
