import type { TraceEntry } from '../../../src-shared/domain';

/**
 * How an event's trace is stored: the same entries, written compactly. A first delivery's trace is 13–17
 * entries that repeat their keys, one time and the runner's "pass: nothing to do" (decide.ts) — about half of
 * a 2 KB events row, and so of the WAL pages a storm writes. Stored, an entry is one of:
 *  - a string `stage`: the runner's `{ stage, result: 'pass', detail: 'nothing to do' }` at the previous entry's time;
 *  - `[dt, stage, detail]`: result 'pass', at the previous entry's time + dt (the first entry's dt is its time);
 *  - `[dt, stage, result, detail]`;
 *  - a whole `{ at, stage, result, detail }` object: rows written before this form, and `amend` (appended by SQL).
 * Lossless: unpackTrace(packTrace(t)) deep-equals t, so the console, the API and `vigil export` show the
 * whole path exactly as the stages wrote it (R-ROUTE-7).
 */
export type PackedEntry = string | [number, string, string] | [number, string, string, string] | TraceEntry;

const IDLE = 'nothing to do';

export function packTrace(trace: readonly TraceEntry[]): string {
  const out: PackedEntry[] = new Array(trace.length);
  let prev = 0;
  for (let i = 0; i < trace.length; i++) {
    const e = trace[i]!;
    const dt = e.at - prev;
    if (e.result === 'pass') out[i] = dt === 0 && i > 0 && e.detail === IDLE ? e.stage : [dt, e.stage, e.detail];
    else out[i] = [dt, e.stage, e.result, e.detail];
    prev = e.at;
  }
  return JSON.stringify(out);
}

/** The entries of a stored trace (parsed JSON), in either form or mixed; anything else reads as no entries. */
export function unpackTrace(stored: unknown): TraceEntry[] {
  if (!Array.isArray(stored)) return [];
  const out: TraceEntry[] = new Array(stored.length);
  let prev = 0;
  for (let i = 0; i < stored.length; i++) {
    const p = stored[i] as PackedEntry;
    let e: TraceEntry;
    if (typeof p === 'string') e = { at: prev, stage: p, result: 'pass', detail: IDLE };
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

/** A stored trace column as the JSON text of its whole entries (raw-row exports: `vigil export incident --format ndjson`). */
export const wholeTraceText = (stored: string): string => JSON.stringify(unpackTrace(JSON.parse(stored)));
