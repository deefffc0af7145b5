import { describe, expect, it } from 'vitest';
import { alert } from './testing';
import { sendWindow } from './window';

/** A batch of messages: `incident` threads them (null: none), `fp` is the alert's fingerprint. */
const rows = (spec: Array<[string, string | null, string | null]>) =>
  spec.map(([title, incident, fp]) => ({
    title,
    message: alert(title, { fingerprint: fp, ...(incident ? { thread: { key: incident } } : {}) }),
  }));

/** Sends that answer only when the test says so, recording what started and how many were in flight at most. */
function controlled(outcome: (title: string) => boolean = () => true) {
  const started: string[] = [];
  const pending = new Map<string, () => void>();
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    started,
    get maxInFlight() {
      return maxInFlight;
    },
    send: (title: string) =>
      new Promise<{ ok: boolean; title: string }>((resolve) => {
        started.push(title);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        pending.set(title, () => {
          inFlight--;
          resolve({ ok: outcome(title), title });
        });
      }),
    /** Answer the named sends, then let the window start what may follow. */
    async answer(...titles: string[]) {
      for (const t of titles) pending.get(t)!();
      await new Promise((r) => setImmediate(r));
    },
    inFlight: () => [...pending.keys()].filter((t) => started.includes(t)),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

/** Run the window over `batch` with `c`'s sends. */
const run = (batch: ReturnType<typeof rows>, width: number, c: ReturnType<typeof controlled>, halted = () => false) =>
  sendWindow(
    batch,
    width,
    (i) => c.send(batch[i]!.title),
    (r) => r.ok,
    halted,
  );

describe('the send window (R-NOTIFY-11)', () => {
  it('R-NOTIFY-11: up to `width` sends in flight; an incident update waits for its first message, a resolution for its alert', async () => {
    const batch = rows([
      ['i1 first', 'i1', 'a1'],
      ['i2 first', 'i2', 'a2'],
      ['i1 update', 'i1', null],
      ['lone', null, null],
      ['a2 resolved', null, 'a2'],
      ['i3 first', 'i3', 'a3'],
    ]);
    const c = controlled();
    const done = run(batch, 3, c);
    await tick();
    // The update and the resolution are skipped over, not sent beside what they follow.
    expect(c.started).toEqual(['i1 first', 'i2 first', 'lone']);
    await c.answer('lone');
    expect(c.started).toEqual(['i1 first', 'i2 first', 'lone', 'i3 first']);
    await c.answer('i1 first');
    expect(c.started.at(-1)).toBe('i1 update');
    await c.answer('i2 first');
    expect(c.started.at(-1)).toBe('a2 resolved');
    await c.answer('i1 update', 'a2 resolved', 'i3 first');
    const out = await done;
    expect(out.map((r) => r?.title)).toEqual(batch.map((r) => r.title));
    expect(c.maxInFlight).toBe(3);
  });

  it('R-NOTIFY-11: after a failure nothing new starts and the failed incident’s follow-ups are not attempted; width 1 is the strict queue', async () => {
    const batch = rows([
      ['i1 first', 'i1', null],
      ['i2 first', 'i2', null],
      ['i1 update', 'i1', null],
      ['i3 first', 'i3', null],
    ]);
    const c = controlled((t) => t !== 'i1 first');
    const done = run(batch, 2, c);
    await tick();
    await c.answer('i1 first');
    // The window stops at the failure: i2 (in flight) finishes; the update and i3 are left for the next batch.
    await c.answer('i2 first');
    const out = await done;
    expect(out.map((r) => r?.title ?? null)).toEqual(['i1 first', 'i2 first', null, null]);
    expect(c.started).toEqual(['i1 first', 'i2 first']);

    const strict = controlled((t) => t !== 'i2 first');
    const one = run(batch, 1, strict);
    await tick();
    expect(strict.started).toEqual(['i1 first']);
    await strict.answer('i1 first');
    expect(strict.started).toEqual(['i1 first', 'i2 first']);
    await strict.answer('i2 first');
    expect((await one).map((r) => r?.title ?? null)).toEqual(['i1 first', 'i2 first', null, null]);
  });

  it('R-NOTIFY-3: a stop during the window: the sends it cut off count as not attempted (sent again on the next start)', async () => {
    const batch = rows([
      ['a', null, null],
      ['b', null, null],
    ]);
    let stopped = false;
    const c = controlled();
    const done = run(batch, 2, c, () => stopped);
    await tick();
    await c.answer('a');
    stopped = true;
    await c.answer('b');
    expect((await done).map((r) => r?.title ?? null)).toEqual(['a', null]);
  });
});
