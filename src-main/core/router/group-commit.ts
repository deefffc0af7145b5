import type { IntakeEvent } from './router';

/**
 * Group commit for concurrent intake requests: everything that arrives in
 * the same turn of the event loop is persisted in one transaction (one
 * fsync) by `persist` (router.accept: one durable intake batch), then each
 * request is answered. Each request stays all-or-nothing
 * (validated before it gets here); if the commit fails, every request in
 * the group gets the error and nothing was acknowledged.
 */
export function groupCommitter(persist: (groups: Array<{ events: IntakeEvent[]; via: string }>) => string[][]) {
  let pending: Array<{ events: IntakeEvent[]; via: string; resolve: (ids: string[]) => void; reject: (e: unknown) => void }> = [];
  const flush = () => {
    const group = pending;
    pending = [];
    try {
      const ids = persist(group);
      group.forEach((g, i) => g.resolve(ids[i]!));
    } catch (e) {
      group.forEach((g) => g.reject(e));
    }
  };
  return (events: IntakeEvent[], via: string): Promise<string[]> =>
    new Promise((resolve, reject) => {
      if (!pending.length) setImmediate(flush);
      pending.push({ events, via, resolve, reject });
    });
}
