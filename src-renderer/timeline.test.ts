import { describe, expect, it } from 'vitest';
import { foldRuns } from './timeline';

const line = (kind: string, at: number, actor = 'vigil') => ({ kind, actor, at }) as const;

describe('incident timeline folding', () => {
  it('R-LOOP-3: a 40-host burst and a bulk ack fold behind their first line; short runs and other actors stay open', () => {
    const t0 = 1_000_000;
    const timeline = [
      line('opened', t0),
      ...Array.from({ length: 40 }, (_, i) => line('alert', t0 + i)),
      line('notification', t0 + 50),
      ...Array.from({ length: 40 }, (_, i) => line('ack', t0 + 400_000 + i * 10, 'admin')),
      line('ack', t0 + 400_500, 'bob'),
      line('resolution', t0 + 900_000),
    ];
    const f = foldRuns(timeline);
    expect(f[1]).toBe(40); // first alert line heads a run of 40
    expect(f.slice(2, 41).every((x) => x === -1)).toBe(true);
    expect(f[41]).toBe(0); // the notification is its own line
    expect(f[42]).toBe(40);
    expect(f[82]).toBe(0); // bob's ack is not folded into admin's
    expect(f.filter((x) => x !== -1)).toHaveLength(6); // six visible lines instead of 84
  });

  it('R-LOOP-3: lines of one kind more than a minute apart are not folded; three in a row stay visible', () => {
    expect(foldRuns([line('alert', 0), line('alert', 30_000), line('alert', 61_000), line('alert', 62_000)])).toEqual([0, 0, 0, 0]);
    expect(foldRuns([line('ack', 0), line('ack', 1), line('ack', 2)])).toEqual([0, 0, 0]);
  });
});
