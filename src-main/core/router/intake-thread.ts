import { parse as secureParse } from 'secure-json-parse';
import { INTAKE_READERS } from '../ingest';
import { failedReply, type InboxRequest, type RawIntake, type ThreadReply } from '../store';
import { GROUP_BYTES, groupCommitter, inboxEntry, inboxRequestsText } from './group-commit';
import { eventId } from './ids';
import { intakeTrace } from './records';

/** The intake thread's name (/proc/<pid>/task/<tid>/comm): `bench router` reads its CPU time by it. */
export const INTAKE_THREAD_NAME = 'vigil-intake';

/**
 * HTTP intake on the intake thread (issue 17): the main thread hands over a request's raw body (its bytes moved,
 * not copied) and writes the answer; everything between runs here — UTF-8 decode, JSON parse, the adapter's
 * validation and normalisation, ids, the inbox text and the fsynced append. Bodies that arrive while a commit is on
 * the disk go together into the next one (groupCommitter, at most GROUP_BYTES of bodies), and the whole group is
 * answered in one message, after the commit: the 202 still waits for the fsync.
 *
 * The JSON is read as Fastify reads it (secure-json-parse, `__proto__` and `constructor.prototype` refused); a body
 * it refuses goes back as text (`unparsed`) for the main thread's own parser to answer with its usual 400, so bad
 * JSON is refused with the same words whichever thread saw it. A body the adapter refuses is answered here with the
 * adapter's message; nothing of it is stored.
 */
/** The body of an intake request's 2xx answer (the intake routes' `{ accepted, ids }`), as JSON text. */
export const acceptedAnswer = (ids: string[]): string => JSON.stringify({ accepted: ids.length, ids });

export function rawIntake(
  append: (receivedAt: number, via: string, n: number, json: string) => number,
  answer: (batch: ThreadReply[]) => void,
): (id: number, req: RawIntake) => void {
  const decoder = new TextDecoder();
  // A request as the inbox text stores it and its ids: no EventRecord is made here (the decider makes its own from the
  // text), so neither is an event's own copy of the request's trace.
  type Item = { id: number; via: string; now: number; req: InboxRequest; ids: string[]; bytes: number };
  const commit = groupCommitter<Item, void>(
    (items) => {
      let replies: ThreadReply[];
      try {
        let n = 0;
        for (const i of items) n += i.ids.length;
        const via = items.length === 1 ? items[0]!.via : [...new Set(items.map((i) => i.via))].join(', ');
        const seq = append(items[0]!.now, via, n, inboxRequestsText(items.map((i) => i.req)));
        replies = items.map((i) => ({ id: i.id, ok: true, value: { seq, answer: acceptedAnswer(i.ids) } }));
      } catch (e) {
        replies = items.map((i) => failedReply(i.id, e)); // SQLITE_BUSY's code crosses: the route answers 503
      }
      answer(replies);
      return [];
    },
    (i) => i.bytes,
    GROUP_BYTES,
  );
  return (id, req) => {
    const text = decoder.decode(req.bytes);
    let body: unknown;
    try {
      if (!text) throw new Error('empty body');
      body = secureParse(text, { protoAction: 'error', constructorAction: 'error' });
    } catch {
      return answer([{ id, ok: true, value: { unparsed: text } }]);
    }
    const n = INTAKE_READERS[req.kind](body, req.now);
    if (!n.ok) return answer([{ id, ok: true, value: { refused: n.message } }]);
    const ids: string[] = new Array(n.events.length);
    const events: InboxRequest['events'] = new Array(n.events.length);
    for (let k = 0; k < ids.length; k++) events[k] = inboxEntry(n.events[k]!, (ids[k] = eventId(req.now)));
    const trace = intakeTrace(req.via, ids.length, req.now);
    void commit({ id, via: req.via, now: req.now, req: { receivedAt: req.now, trace, events }, ids, bytes: req.bytes.byteLength });
  };
}
