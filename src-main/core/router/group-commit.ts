import type { EventRecord, InboxRequest, RawAnswer, RawIntake } from '../store';
import type { IntakeEvent } from './router';

/** Most request body bytes one group commit carries: a burst of big bodies is several commits, not one long stall. */
export const GROUP_BYTES = 2 * 1024 * 1024;

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
  prepare(events: IntakeEvent[], via: string): EventRecord[];
  accepted(seq: number, recs: EventRecord[]): void;
}

/**
 * A request's event as the inbox text stores it: the NewEvent fields but the two its request shares, set by name.
 * The record's own decided-later fields (seq, processed, outcome, triage, channels) are the same for every fresh
 * event and are set again when the batch is read back; leaving them out makes the text ~8% shorter and the
 * stringify ~2x faster (V8 builds the stringify of objects of one shape fast; measured with the router bench's bodies).
 */
const inboxEntry = (r: IntakeEvent, id: string): InboxRequest['events'][number] => ({
  id,
  source: r.source,
  fingerprint: r.fingerprint,
  severity: r.severity,
  status: r.status,
  summary: r.summary,
  description: r.description,
  labels: r.labels,
  startsAt: r.startsAt,
  endsAt: r.endsAt,
  annotations: r.annotations,
  generatorURL: r.generatorURL,
  origin: r.origin,
});

/**
 * The inbox text of an in-process group commit (store/inbox.ts `inboxEvents` reads it; the intake thread stores the
 * bodies themselves, router/inbox-bodies.ts): one entry per request, its records as
 * `buildRecords` made them, which share their receivedAt and trace (arrival, "normalise", "persist"): stored once
 * per request instead of once per event, the text of a 20-alert webhook is 10.7 KB instead of 15 KB and its one
 * JSON.stringify on the intake thread takes ~41 instead of ~74 µs (CPU, the router bench's bodies, load ~10).
 */
export function inboxText(requests: EventRecord[][]): string {
  const out: InboxRequest[] = [];
  for (const recs of requests)
    if (recs.length) out.push({ receivedAt: recs[0]!.receivedAt, trace: recs[0]!.trace, events: recs.map((r) => inboxEntry(r, r.id)) });
  return JSON.stringify({ requests: out });
}

/** A request's share of a group's inbox text when its caller gives no size: about what a webhook alert takes. */
const EVENT_BYTES = 1024;

/**
 * HTTP intake (R-ROUTE-2): each request's records are made as it arrives (ids assigned); the requests of a
 * group are appended as ONE intake batch by `append` (the intake thread's fsynced commit) and answered with
 * their ids only after it, then queued for deciding in commit order. Each request stays all-or-nothing
 * (validated before it gets here). The group's inbox text is made once, by one JSON.stringify, when it is
 * committed (`inboxText`): a text per request joined into the group's cost the main thread more than the stringify
 * itself (slices, a join and a flatten before the UTF-8 encode). `bytes` (the request body's size) bounds a group.
 */
export function intakeCommitter(
  router: IntakeQueue,
  append: (receivedAt: number, via: string, n: number, json: string) => Promise<number>,
  now: () => number,
): (events: IntakeEvent[], via: string, bytes?: number) => Promise<string[]> {
  type Item = { recs: EventRecord[]; via: string; bytes: number };
  const commit = groupCommitter<Item, string[]>(
    async (items) => {
      const recs = items.length === 1 ? items[0]!.recs : items.flatMap((i) => i.recs);
      const via = items.length === 1 ? items[0]!.via : [...new Set(items.map((i) => i.via))].join(', ');
      router.accepted(await append(now(), via, recs.length, inboxText(items.map((i) => i.recs))), recs);
      return items.map((i) => i.recs.map((r) => r.id));
    },
    (i) => i.bytes,
    GROUP_BYTES,
  );
  return (events, via, bytes) => {
    try {
      return commit({ recs: router.prepare(events, via), via, bytes: bytes ?? events.length * EVENT_BYTES });
    } catch (e) {
      return Promise.reject(e);
    }
  };
}

/**
 * HTTP intake with the body read on the intake thread (router/intake-thread.ts): the thread group-commits and
 * answers; a committed request's answer (its ids) goes to the router (queued, handed to the decider) before it is written.
 */
export function rawIntakeCommitter(
  router: { acceptedIds(seq: number, answer: string): void },
  raw: (req: RawIntake) => Promise<RawAnswer>,
): (req: RawIntake) => Promise<RawAnswer> {
  return async (req) => {
    const a = await raw(req);
    if ('seq' in a) router.acceptedIds(a.seq, a.answer);
    return a;
  };
}
