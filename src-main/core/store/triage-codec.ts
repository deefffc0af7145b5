import type { TriageResult } from '../../../src-shared/domain';

/**
 * How an event's triage is stored: without the fields that hold their empty value (null, no suggested actions).
 * Hermes fills none of them, so a first delivery's triage was ~220 of a ~1.4 KB events row. Read back with them
 * restored: unpackTriage(JSON.parse(packTriage(t))) deep-equals t (only the key order may differ); rows written
 * whole (before this form, or by an AI agent that filled every field) read unchanged.
 */
const EMPTY = { model: null, probableCause: null, confidence: null, runbook: null, fallbackReason: null } as const;

export function packTriage(t: TriageResult): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) {
    if (v === null && k in EMPTY) continue;
    if (k === 'suggestedActions' && Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return JSON.stringify(out);
}

/** A stored triage (parsed JSON) in either form; null stays null. */
export const unpackTriage = (stored: unknown): TriageResult | null =>
  stored && typeof stored === 'object' ? ({ ...EMPTY, suggestedActions: [], ...(stored as Partial<TriageResult>) } as TriageResult) : null;

/** A stored triage column as the JSON text of the whole result (raw-row exports). */
export const wholeTriageText = (stored: string): string => JSON.stringify(unpackTriage(JSON.parse(stored)));
