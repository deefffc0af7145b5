import type { TriageResult } from '../../../src-shared/domain';

/**
 * How an event's triage is stored (R-SCALE-26). Read back whole: unpackTriage(JSON.parse(packTriage(t, ev)), ev)
 * deep-equals t, keys in the order rows of form 0 read back in.
 *
 * Form 1 (the router's insert): `[1, agent, category, priority, dt, rest?]`: `dt` is `at` counted from the event's
 * received_at, and `rest` holds only the fields that differ from what Hermes leaves empty: `summary` when it is not the
 * event's own (Hermes copies it), model, probableCause, confidence, runbook, fallbackReason when not null, and
 * suggestedActions when there are any, each the index of TRIAGE_PHRASES where it is one of them (Hermes' built-in
 * suggestions) or its text. A first delivery's triage was ~108 bytes of a 1.2 KB row, mostly keys and the summary again.
 * Form 0 (rows written before, and `amend`, which knows no event): an object without its null fields and empty
 * suggestions (the whole object in older rows).
 */
const EMPTY = { model: null, probableCause: null, confidence: null, runbook: null, fallbackReason: null } as const;
const FORM = 1;
const NULLABLE = ['model', 'probableCause', 'confidence', 'runbook', 'fallbackReason'] as const;

/**
 * APPEND ONLY (as trace-phrases.ts): an index keeps its text for ever. Copies of Hermes' built-in suggestions
 * (agents/hermes/defaults.ts) as they were when this table was made; a suggestion not here is stored as text.
 */
export const TRIAGE_PHRASES: readonly string[] = [
  'check usage with df -h and du on the largest directories',
  'rotate or prune logs and old images',
  'grow the volume if usage keeps rising',
  'look for the process using most memory (ps/top)',
  'check the kernel log for OOM kills',
  'look for a leak in recent deploys',
  'read the last container logs before the restart',
  'check recent config or image changes',
  'check the health check and its timeout',
  'check the service and its upstreams respond locally (curl its /health)',
  'check recent deploys and rollouts',
  'check the load balancer and DNS',
  'probe a lightweight /health endpoint rather than a heavy page',
  'check saturation (CPU, DB connections, queues)',
  'find the busiest processes',
  'check for a runaway job or a traffic spike',
  'check the certificate expiry and renewal job',
  'open Vigil logs (data dir logs/vigil.log)',
  'check the failing component in Settings',
];
const PHRASE_CODE = new Map(TRIAGE_PHRASES.map((p, i) => [p, i]));

/** What a stored triage is read against: its event's summary and received_at. */
export interface TriageOwner {
  summary: string;
  receivedAt: number;
}

/** Form 1 for the router's insert (`ev` given), form 0 without one (`amend`). */
export function packTriage(t: TriageResult, ev?: TriageOwner): string {
  if (!ev) return packForm0(t);
  const rest: Record<string, unknown> = {};
  if (t.summary !== ev.summary) rest.summary = t.summary;
  for (const k of NULLABLE) if (t[k] !== null && t[k] !== undefined) rest[k] = t[k];
  if (t.suggestedActions.length) rest.suggestedActions = t.suggestedActions.map((s) => PHRASE_CODE.get(s) ?? s);
  const out: unknown[] = [FORM, t.agent, t.category, t.priority, t.at - ev.receivedAt];
  for (const _ in rest) {
    out.push(rest);
    break;
  }
  return JSON.stringify(out);
}

function packForm0(t: TriageResult): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) {
    if (v === null && k in EMPTY) continue;
    if (k === 'suggestedActions' && Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return JSON.stringify(out);
}

/** A stored triage (parsed JSON) in either form; null stays null. */
export function unpackTriage(stored: unknown, ev: TriageOwner): TriageResult | null {
  if (Array.isArray(stored) && stored[0] === FORM) {
    const rest = (stored[5] ?? {}) as Partial<Record<keyof TriageResult, unknown>>;
    const t = {
      ...EMPTY,
      suggestedActions: [] as string[],
      agent: stored[1],
      summary: ev.summary,
      at: ev.receivedAt + (stored[4] as number),
      category: stored[2],
      priority: stored[3],
    } as TriageResult;
    for (const k of ['summary', ...NULLABLE] as const) if (k in rest) (t as Record<string, unknown>)[k] = rest[k];
    if (Array.isArray(rest.suggestedActions))
      t.suggestedActions = rest.suggestedActions.map((s: unknown) =>
        typeof s === 'number' ? (TRIAGE_PHRASES[s] ?? `suggestion ${s}`) : String(s),
      );
    return t;
  }
  return stored && typeof stored === 'object' && !Array.isArray(stored)
    ? ({ ...EMPTY, suggestedActions: [], ...(stored as Partial<TriageResult>) } as TriageResult)
    : null;
}

/** A stored triage column as the JSON text of the whole result (raw-row exports). */
export const wholeTriageText = (stored: string, ev: TriageOwner): string => JSON.stringify(unpackTriage(JSON.parse(stored), ev));
