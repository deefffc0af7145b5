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

/** An argument as stored: the text of a small integer (as "#0", "20 alerts") as the number, anything else as it is. */
function arg(s: string): string | number {
  const n = s.length;
  if (n === 0 || n > 9 || (s.charCodeAt(0) === 48 && n > 1)) return s;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return s;
  }
  return Number(s);
}

/** Fill `out` with the detail's holes if it reads as `parts` with text between them; false (out unchanged) if not. */
function holesOf(detail: string, parts: string[], out: Array<number | string>): boolean {
  const n = parts.length;
  if (n === 1) return detail === parts[0];
  const first = parts[0]!;
  const last = parts[n - 1]!;
  const end = detail.length - last.length;
  if (end < first.length || !detail.startsWith(first) || !detail.endsWith(last)) return false;
  const start = out.length;
  let pos = first.length;
  for (let i = 1; i < n - 1; i++) {
    const part = parts[i]!;
    const j = detail.indexOf(part, pos);
    if (j < 0 || j + part.length > end) {
      out.length = start;
      return false;
    }
    out.push(arg(detail.slice(pos, j)));
    pos = j + part.length;
  }
  out.push(arg(detail.slice(pos, end)));
  return true;
}

/** The stored item of one entry: a phrase's code, or its code and arguments. */
function item(e: TraceEntry): PackedEntry {
  if (typeof e.stage !== 'string' || typeof e.result !== 'string' || typeof e.detail !== 'string') return e; // kept whole
  const ps = BY_STAGE.get(e.stage) ?? GENERIC;
  for (const p of ps) {
    if (p.result !== null && p.result !== e.result) continue;
    if (p.holes === 0) {
      if (e.detail === p.parts[0]) return p.code;
      continue;
    }
    const out: Array<number | string> = [p.code];
    if (p.stage === null) out.push(e.stage);
    if (p.result === null) out.push(e.result);
    if (holesOf(e.detail, p.parts, out)) return out;
  }
  return [0, e.stage, e.result, e.detail]; // not reached: phrase 0 takes any entry
}

/** The stored JSON of a trace, its times counted from `receivedAt` (the row's received_at). */
export function packTrace(trace: readonly TraceEntry[], receivedAt: number): string {
  const out: PackedEntry[] = [TRACE_FORM];
  let now = receivedAt;
  for (const e of trace) {
    const it = item(e);
    if (it !== e && e.at !== now) out.push([e.at - now]); // a whole entry sets the time itself
    now = e.at;
    out.push(it);
  }
  return JSON.stringify(out);
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
