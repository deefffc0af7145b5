import { createHash } from 'node:crypto';
import { z } from 'zod';
import { GenericEventInput, INTAKE_LIMITS } from '../../../src-shared/domain';
import { describeZodError } from '../../../src-shared/result';
import type { IntakeEvent } from '../router';

export type Normalised = { ok: true; events: IntakeEvent[] } | { ok: false; message: string };
/** An adapter's decision on a body without its events: how many it makes, or its refusal (INTAKE_CHECKS). */
export type Checked = { ok: true; n: number } | { ok: false; message: string };

/** Stable fingerprint: SHA-256 of the labels sorted by name (of source + summary when there are none). */
export function labelFingerprint(labels: Record<string, string>, fallback: string): string {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const basis = entries.length ? JSON.stringify(entries) : fallback;
  return createHash('sha256').update(basis).digest('hex').slice(0, 16);
}

export const parseTime = (iso: string | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  // Alertmanager writes 0001-01-01T00:00:00Z for "no end".
  return Number.isFinite(t) && t > 0 ? t : null;
};

/** Validate a generic event (one or an array, all-or-nothing) and normalise it for the router. */
export function normaliseGeneric(body: unknown): Normalised {
  const list = Array.isArray(body);
  const schema = list
    ? z.array(GenericEventInput).min(1, 'send at least one event').max(INTAKE_LIMITS.eventsPerRequest)
    : GenericEventInput;
  const parsed = schema.safeParse(body);
  if (!parsed.success) return { ok: false, message: describeZodError(parsed.error) };
  const inputs = (list ? parsed.data : [parsed.data]) as GenericEventInput[];
  return {
    ok: true,
    events: inputs.map((e) => ({
      source: e.source,
      fingerprint: e.fingerprint ?? labelFingerprint(e.labels, `${e.source}\n${e.summary}`),
      severity: e.severity,
      status: e.status,
      summary: e.summary,
      description: e.description ?? null,
      labels: e.labels,
      startsAt: parseTime(e.startsAt),
      endsAt: parseTime(e.endsAt),
    })),
  };
}
