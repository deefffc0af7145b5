import type { Message } from '../message';

/**
 * What must go out one after another: the messages of one incident thread (an update must not overtake the
 * incident's first message) and of one alert (a resolution after what it resolves). Others may overtake.
 */
export function orderKeys(m: Message): string[] {
  const keys: string[] = [];
  if (m.thread) keys.push(`thread:${m.thread.key}`);
  if (m.fingerprint !== null) keys.push(`alert:${m.fingerprint}`);
  return keys;
}

/**
 * Send a claimed batch with up to `width` sends in flight. Rows are started in queue order; a row waits until
 * every earlier row sharing one of its order keys has succeeded, and is never started after that one failed.
 * After the first failure (or when `halted` says so) nothing new starts; the sends in flight finish.
 * Width 1 is the strict queue: one at a time, in order, the first failure stops the batch.
 * Answers each row's outcome, undefined for rows not attempted (and for sends cut off by a halt).
 */
export function sendWindow<R>(
  rows: ReadonlyArray<{ message: Message }>,
  width: number,
  send: (index: number) => Promise<R>,
  ok: (r: R) => boolean,
  halted: () => boolean,
): Promise<Array<R | undefined>> {
  const out: Array<R | undefined> = rows.map(() => undefined);
  // The nearest earlier row per order key: it must have succeeded first (its own predecessors did, before it).
  const last = new Map<string, number>();
  const deps = rows.map((r, i) => {
    const before = orderKeys(r.message).flatMap((k) => {
      const j = last.get(k);
      last.set(k, i);
      return j === undefined ? [] : [j];
    });
    return [...new Set(before)];
  });
  const state: Array<'wait' | 'run' | 'ok' | 'bad'> = rows.map(() => 'wait');
  let running = 0;
  let stop = false;
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      if (halted()) stop = true;
      for (let i = 0; i < rows.length && running < width && !stop; i++) {
        if (state[i] !== 'wait' || !deps[i]!.every((j) => state[j] === 'ok')) continue;
        state[i] = 'run';
        running++;
        send(i).then((r) => {
          running--;
          // A stop aborted it: not an attempt (sent again on the next start, with its key).
          if (halted()) stop = true;
          else out[i] = r;
          state[i] = !stop && ok(r) ? 'ok' : 'bad';
          if (state[i] === 'bad') stop = true;
          pump();
        }, reject);
      }
      if (running === 0) resolve(out);
    };
    pump();
  });
}
