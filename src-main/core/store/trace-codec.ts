import type { TraceEntry } from '../../../src-shared/domain';
import { TRACE_PHRASES } from './trace-phrases';

/**
 * How an event's trace is stored: the same entries, written compactly (R-ROUTE-7, R-SCALE-26). A first delivery's
 * trace is 13–17 entries of fixed phrases ("no active silence matches", "routes #0 → sink" …), 500 bytes of a
 * 1.2 KB events row as whole text, and so much of the WAL a storm writes. The stored JSON is one of two forms:
 *
 * Form 1 (written now): `[1, item, …]`, times counted from the row's received_at. An item is
 *  - `k`: phrase k of TRACE_PHRASES (trace-phrases.ts, append-only) at the current time;
 *  - `[k, arg, …]`: phrase k with its holes filled in order (an argument that is an integer's text is stored as the number);
 *  - `[dt]`: not an entry: the current time moves by dt ms (it starts at received_at);
 *  - a whole `{ at, stage, result, detail }` object: the current time becomes `at` (`amend` appends these by SQL).
 * Form 0 (rows written before): an array of entries, each a string `stage` (the runner's "pass: nothing to do" at
 *  the previous entry's time), `[dt, stage, detail]` (result 'pass', the first entry's dt is its time),
 *  `[dt, stage, result, detail]`, or a whole object. It is never written again and always read.
 * Lossless: unpackTrace(JSON.parse(packTrace(t, r)), r) deep-equals t, so the console, the API and `vigil export`
 * show the whole path exactly as the stages wrote it.
 */
export const TRACE_FORM = 1;

export type PackedEntry = string | number | number[] | Array<number | string> | TraceEntry;

interface Phrase {
  code: number;
  /** null: a hole. */
  stage: string | null;
  result: string | null;
  /** The detail's literal parts around its holes (one part: no hole). */
  parts: string[];
  holes: number;
}

const HOLE = '{}';
const PHRASES: Phrase[] = TRACE_PHRASES.map(([stage, result, detail], code) => {
  const parts = detail.split(HOLE);
  return {
    code,
    stage: stage === HOLE ? null : stage,
    result: result === HOLE ? null : result,
    parts,
    holes: (stage === HOLE ? 1 : 0) + (result === HOLE ? 1 : 0) + parts.length - 1,
  };
});
/** The phrases to try for an entry, by its stage: the stage's own first, then the generic ones (every stage hole). */
const GENERIC = PHRASES.filter((p) => p.stage === null).reverse(); // the most specific generic phrase first
const BY_STAGE = new Map<string, Phrase[]>();
for (const p of PHRASES) if (p.stage !== null) BY_STAGE.set(p.stage, [...(BY_STAGE.get(p.stage) ?? []), p]);
for (const [stage, ps] of BY_STAGE) BY_STAGE.set(stage, [...ps, ...GENERIC]);

/**
 * An argument's stored text: the text of a small integer (as "#0", "20 alerts") as the number, anything else as a JSON
 * string. The number's JSON is the digits themselves (at most 9, no leading zero), so they are written as they are.
 */
function argText(s: string): string {
  const n = s.length;
  if (n === 0 || n > 9 || (s.charCodeAt(0) === 48 && n > 1)) return JSON.stringify(s);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return JSON.stringify(s);
  }
  return s;
}

/**
 * The stored text of the detail's holes (",arg,arg") if it reads as `parts` with text between them, else null.
 * Text, not an array of arguments: a storm's traces are written straight into their JSON (no array per entry tried).
 */
function holesText(detail: string, parts: string[]): string | null {
  const n = parts.length;
  if (n === 1) return detail === parts[0] ? '' : null;
  const first = parts[0]!;
  const last = parts[n - 1]!;
  const end = detail.length - last.length;
  if (end < first.length || !detail.startsWith(first) || !detail.endsWith(last)) return null;
  let out = '';
  let pos = first.length;
  for (let i = 1; i < n - 1; i++) {
    const part = parts[i]!;
    const j = detail.indexOf(part, pos);
    if (j < 0 || j + part.length > end) return null;
    out += ',' + argText(detail.slice(pos, j));
    pos = j + part.length;
  }
  return out + ',' + argText(detail.slice(pos, end));
}

/** The stored JSON of one entry's item: a phrase's code, or `[code,args…]`; null when the entry is kept whole. */
function itemText(e: TraceEntry): string | null {
  if (typeof e.stage !== 'string' || typeof e.result !== 'string' || typeof e.detail !== 'string') return null; // kept whole
  const of = BY_STAGE_ITEMS.get(e.stage) ?? GENERIC_ITEMS;
  // The very entry packed last for this stage (the stages share one between events: router/types.ts `trace`).
  if (e === of.entry) return of.text;
  // The stage's last entry again (a storm's events of one group, route or incident say the same): its text as it was.
  if (e.detail === of.detail && e.result === of.result && of.text !== null) return of.text;
  let text: string | null = null;
  for (const p of of.phrases) {
    if (p.result !== null && p.result !== e.result) continue;
    if (p.holes === 0) {
      if (e.detail !== p.parts[0]) continue;
      text = CODE_TEXT[p.code]!;
      break;
    }
    const holes = holesText(e.detail, p.parts);
    if (holes === null) continue;
    let head = '[' + CODE_TEXT[p.code]!;
    if (p.stage === null) head += ',' + JSON.stringify(e.stage);
    if (p.result === null) head += ',' + JSON.stringify(e.result);
    text = head + holes + ']';
    break;
  }
  text ??= `[0,${JSON.stringify(e.stage)},${JSON.stringify(e.result)},${JSON.stringify(e.detail)}]`; // not reached: phrase 0 takes any entry
  if (of !== GENERIC_ITEMS) {
    of.entry = e;
    of.result = e.result;
    of.detail = e.detail;
    of.text = text;
  }
  return text;
}
const CODE_TEXT = PHRASES.map((p) => String(p.code));
/** A stage's phrases to try, and its last entry (the object, its result and detail) and stored text. */
interface StageItems {
  phrases: Phrase[];
  entry: TraceEntry | null;
  result: string;
  detail: string;
  text: string | null;
}
const stageItems = (phrases: Phrase[]): StageItems => ({ phrases, entry: null, result: '', detail: '', text: null });
const BY_STAGE_ITEMS = new Map([...BY_STAGE].map(([stage, ps]) => [stage, stageItems(ps)]));
const GENERIC_ITEMS = stageItems(GENERIC);

/** The parts of the trace being packed (one array for every call: packTrace runs for each event of a storm). */
const parts: string[] = [];

/**
 * The stored JSON of a trace, its times counted from `receivedAt` (the row's received_at): the text
 * `JSON.stringify([TRACE_FORM, item, …])` gives, written directly (trace-codec.test.ts holds that encoder and compares).
 */
export function packTrace(trace: readonly TraceEntry[], receivedAt: number): string {
  parts.length = 0;
  parts.push('[' + TRACE_FORM);
  let now = receivedAt;
  for (const e of trace) {
    const it = itemText(e);
    if (it === null)
      parts.push(JSON.stringify(e)); // a whole entry sets the time itself
    else {
      if (e.at !== now) parts.push('[' + JSON.stringify(e.at - now) + ']');
      parts.push(it);
    }
    now = e.at;
  }
  parts[parts.length - 1] += ']'; // a short text: concatenated flat
  const out = parts.join(',');
  parts.length = 0; // the texts may go
  return out;
}

const text = (x: unknown): string => (typeof x === 'string' ? x : String(x));

/** Phrase k with its arguments, at `at`. */
function entry(k: number, args: ArrayLike<unknown>, from: number, at: number): TraceEntry {
  const p = PHRASES[k];
  // A code this version does not know (a row written by a newer one): shown as such rather than dropped.
  if (!p) return { at, stage: 'unknown', result: 'pass', detail: `trace phrase ${k} (written by a newer Vigil)` };
  let i = from;
  const stage = p.stage ?? text(args[i++]);
  const result = p.result ?? text(args[i++]);
  let detail = p.parts[0]!;
  for (let j = 1; j < p.parts.length; j++) detail += text(args[i++] ?? '') + p.parts[j]!;
  return { at, stage, result, detail };
}

/** The entries of a stored trace (parsed JSON) in either form; anything else reads as no entries. */
export function unpackTrace(stored: unknown, receivedAt: number): TraceEntry[] {
  if (!Array.isArray(stored)) return [];
  if (stored[0] === TRACE_FORM) return unpackForm1(stored, receivedAt);
  const out: TraceEntry[] = new Array(stored.length);
  let prev = 0;
  for (let i = 0; i < stored.length; i++) {
    const p = stored[i] as string | [number, string, string] | [number, string, string, string] | TraceEntry;
    let e: TraceEntry;
    if (typeof p === 'string') e = { at: prev, stage: p, result: 'pass', detail: 'nothing to do' };
    else if (Array.isArray(p))
      e =
        p.length === 3
          ? { at: prev + p[0], stage: p[1], result: 'pass', detail: p[2] }
          : { at: prev + p[0], stage: p[1], result: p[2], detail: p[3] };
    else e = p;
    out[i] = e;
    prev = e.at;
  }
  return out;
}

function unpackForm1(stored: unknown[], receivedAt: number): TraceEntry[] {
  const out: TraceEntry[] = [];
  let now = receivedAt;
  for (let i = 1; i < stored.length; i++) {
    const p = stored[i];
    if (typeof p === 'number') out.push(entry(p, [], 0, now));
    else if (Array.isArray(p)) {
      if (p.length === 1) now += p[0] as number;
      else out.push(entry(p[0] as number, p, 1, now));
    } else if (p && typeof p === 'object') {
      out.push(p as TraceEntry);
      now = (p as TraceEntry).at;
    }
  }
  return out;
}

/** A stored trace column as the JSON text of its whole entries (raw-row exports: `vigil export incident --format ndjson`). */
export const wholeTraceText = (stored: string, receivedAt: number): string => JSON.stringify(unpackTrace(JSON.parse(stored), receivedAt));
