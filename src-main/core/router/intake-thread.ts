import { parse as secureParse } from 'secure-json-parse';
import { INTAKE_CHECKS } from '../ingest';
import { failedReply, type RawIntake, type ThreadReply } from '../store';
import { GROUP_BYTES, groupCommitter } from './group-commit';
import { eventId } from './ids';
import { bodiesText, bodyEntry } from './inbox-bodies';

/** The intake thread's name (/proc/<pid>/task/<tid>/comm): `bench router` reads its CPU time by it. */
export const INTAKE_THREAD_NAME = 'vigil-intake';

/**
 * HTTP intake on the intake thread (issue 17): the main thread hands over a request's raw body (its bytes moved,
 * not copied) and writes the answer; everything between runs here — UTF-8 decode, JSON parse, the adapter's
 * validation and normalisation, ids, the inbox text and the fsynced append. Bodies that arrive while a commit is on
 * the disk go together into the next one (groupCommitter, at most GROUP_BYTES of bodies), and the whole group is
 * answered in one message, after the commit: the 202 still waits for the fsync.
 *
 * The JSON is read as Fastify reads it (`readJson`: secure-json-parse's `__proto__` and `constructor.prototype` refused); a body
 * it refuses goes back as text (`unparsed`) for the main thread's own parser to answer with its usual 400, so bad
 * JSON is refused with the same words whichever thread saw it. A body the adapter refuses is answered here with the
 * adapter's message; nothing of it is stored.
 */
/** The body of an intake request's 2xx answer (the intake routes' `{ accepted, ids }`), as JSON text. */
export const acceptedAnswer = (ids: string[]): string => JSON.stringify({ accepted: ids.length, ids });

/**
 * A body as Fastify reads it (secure-json-parse: a `__proto__` key, or a `constructor` holding a `prototype`, is an
 * error). Its two RegExps (the test for a suspect key, run on every body) can only match a text holding `__proto__`,
 * `constructor` or a `\u` escape (each of their characters is itself or its escape); a body with none of the three is
 * exactly JSON.parse's, and three `includes` scans cost ~3 µs a 6 KB body where the RegExps took ~35 µs a body
 * through the first 1,500 (R-SCALE-40, micro). A leading BOM is dropped as secure-json-parse drops it.
 */
export function readJson(text: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u'))
    return secureParse(text, { protoAction: 'error', constructorAction: 'error' });
  return JSON.parse(text);
}

export function rawIntake(
  append: (receivedAt: number, via: string, n: number, json: string) => number,
  answer: (batch: ThreadReply[]) => void,
): (id: number, req: RawIntake) => void {
  const decoder = new TextDecoder();
  // A request's entry in the inbox text is its body as it came (router/inbox-bodies.ts, R-SCALE-40): the parsed body
  // is only checked and counted here, its events are made again from the text on the decider thread, so no event
  // object is made here and nothing is stringified.
  type Item = { id: number; via: string; now: number; entry: string; ids: string[]; bytes: number };
  const commit = groupCommitter<Item, void>(
    (items) => {
      let replies: ThreadReply[];
      try {
        let n = 0;
        for (const i of items) n += i.ids.length;
        const via = items.length === 1 ? items[0]!.via : [...new Set(items.map((i) => i.via))].join(', ');
        const seq = append(items[0]!.now, via, n, bodiesText(items.map((i) => i.entry)));
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
    // The text readJson parses (a second BOM dropped): the inbox stores it, one JSON value.
    const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    let body: unknown;
    try {
      if (!text) throw new Error('empty body');
      body = readJson(json);
    } catch {
      return answer([{ id, ok: true, value: { unparsed: text } }]);
    }
    const n = INTAKE_CHECKS[req.kind](body, req.now); // the adapter's decision: its events are made on the decider
    if (!n.ok) return answer([{ id, ok: true, value: { refused: n.message } }]);
    const ids: string[] = new Array(n.n);
    for (let k = 0; k < ids.length; k++) ids[k] = eventId(req.now);
    const entry = bodyEntry(req.kind, req.now, req.via, ids, json);
    void commit({ id, via: req.via, now: req.now, entry, ids, bytes: req.bytes.byteLength });
  };
}
