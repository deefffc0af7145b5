import type { EventRecord } from '../store';
import type { IntakeEvent } from './router';

/** Most JSON text one group commit carries (bytes, roughly): a burst of big bodies is several commits, not one long stall. */
const GROUP_JSON = 4 * 1024 * 1024;

/**
 * Group commit for concurrent requests: items that arrive while a commit is in flight (or in the same turn of
 * the event loop) are persisted together by the next `persist` (one transaction, one fsync), then each is
 * answered; one commit in flight at a time, so commits keep their order. If a commit fails, every request in
 * its group gets the error and nothing was acknowledged. `size` bounds a group (at least one item).
 */
export function groupCommitter<T, R>(
  persist: (items: T[]) => Promise<R[]> | R[],
  size: (item: T) => number = () => 0,
  limit = Infinity,
): (item: T) => Promise<R> {
  let pending: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let busy = false;
  const flush = async () => {
    let n = 0;
    let total = 0;
    while (n < pending.length && (n === 0 || total + size(pending[n]!.item) <= limit)) total += size(pending[n++]!.item);
    const group = pending.slice(0, n);
    pending = pending.slice(n);
    busy = true;
    try {
      const out = await persist(group.map((g) => g.item));
      group.forEach((g, i) => g.resolve(out[i]!));
    } catch (e) {
      group.forEach((g) => g.reject(e));
    } finally {
      busy = false;
      if (pending.length) setImmediate(flush);
    }
  };
  return (item) =>
    new Promise((resolve, reject) => {
      if (!pending.length && !busy) setImmediate(flush);
      pending.push({ item, resolve, reject });
    });
}

/** What the intake commit needs of the router (router.ts `prepare` / `accepted`). */
export interface IntakeQueue {
  prepare(events: IntakeEvent[], via: string): { recs: EventRecord[]; json: string };
  accepted(seq: number, recs: EventRecord[]): void;
}

/**
 * HTTP intake (R-ROUTE-2): each request's records and JSON text are made as it arrives; the requests of a
 * group are appended as ONE intake batch by `append` (the intake thread's fsynced commit) and answered with
 * their ids only after it, then queued for deciding in commit order. Each request stays all-or-nothing
 * (validated before it gets here).
 */
export function intakeCommitter(
  router: IntakeQueue,
  append: (receivedAt: number, via: string, n: number, json: string) => Promise<number>,
  now: () => number,
): (events: IntakeEvent[], via: string) => Promise<string[]> {
  type Item = { recs: EventRecord[]; json: string; via: string };
  const commit = groupCommitter<Item, string[]>(
    async (items) => {
      const recs = items.length === 1 ? items[0]!.recs : items.flatMap((i) => i.recs);
      // Each item's text is a JSON array; the group's is their elements joined (no second stringify).
      const json =
        items.length === 1 ? items[0]!.json : `[${items.flatMap((i) => (i.recs.length ? [i.json.slice(1, -1)] : [])).join(',')}]`;
      const via = [...new Set(items.map((i) => i.via))].join(', ');
      router.accepted(await append(now(), via, recs.length, json), recs);
      return items.map((i) => i.recs.map((r) => r.id));
    },
    (i) => i.json.length,
    GROUP_JSON,
  );
  return (events, via) => {
    try {
      return commit({ ...router.prepare(events, via), via });
    } catch (e) {
      return Promise.reject(e);
    }
  };
}
