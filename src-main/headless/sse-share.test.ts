import { describe, expect, it } from 'vitest';
import { sseShare } from './sse-share';

describe('what SSE streams share', () => {
  it('R-SCALE-15: consoles connecting within maxAgeMs get one snapshot, stringified once; a published status replaces it', async () => {
    let now = 0;
    let taken = 0;
    let stringified = 0;
    const share = sseShare({
      snapshot: () => ({ n: ++taken, toJSON: () => (stringified++, { n: taken }) }),
      maxAgeMs: 500,
      now: () => now,
    });
    const first = share.snapshotFrame('status');
    // Each console of a burst connects in its own turn of the event loop.
    for (let i = 0; i < 99; i++) {
      await new Promise((r) => setImmediate(r));
      now += 2;
      expect(share.snapshotFrame('status')).toBe(first);
    }
    expect([taken, stringified]).toEqual([1, 1]);
    share.published({ n: 100, toJSON: () => (stringified++, { n: 100 }) });
    expect(share.snapshotFrame('status')).toBe('event: status\ndata: {"n":100}\n\n');
    now += 600;
    expect(share.snapshotFrame('status')).toBe('event: status\ndata: {"n":2}\n\n');
    expect([taken, stringified]).toEqual([2, 3]);
  });
});
