import { z } from 'zod';
import { AlertStatus, Severity } from './constants';

/**
 * Domain types shared by core and console. Feature areas extend this file
 * with their own records; each is a zod schema so both transports validate.
 */

/** One stage an event passed through in the router (R-ROUTE-7, R-NOISE-5). */
export const TraceEntry = z.object({
  at: z.number(),
  stage: z.string(), // normalise, persist, dedupe, silence, mute, group, flap, burst, triage, route, outbox, action …
  result: z.string(), // pass, held, notified, suppressed, failed …
  detail: z.string(),
});
export type TraceEntry = z.infer<typeof TraceEntry>;

/** Triage of an event: who produced it (agent + model) and what it says (R-AGENT-5). */
export const TriageResult = z.object({
  agent: z.enum(['hermes', 'nemotron']),
  model: z.string().nullable(),
  category: z.string(),
  priority: z.enum(['P1', 'P2', 'P3', 'P4']),
  summary: z.string(),
  probableCause: z.string().nullable().default(null),
  confidence: z.number().min(0).max(1).nullable().default(null),
  runbook: z.string().nullable().default(null),
  suggestedActions: z.array(z.string()).default([]),
  /** Set when an AI agent was tried and Hermes answered instead. */
  fallbackReason: z.string().nullable().default(null),
  at: z.number(),
});
export type TriageResult = z.infer<typeof TriageResult>;

/** What one intake request may carry, the same for the generic intake and the Alertmanager webhook (R-ROUTE-9). */
export const INTAKE_LIMITS = {
  eventsPerRequest: 5000,
  labels: 64,
  labelName: 200,
  labelValue: 2000,
  annotationValue: 20_000,
} as const;

/** Names that would reach an object's prototype machinery if a map were ever built from them with `{}`. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The rules of limitedMap in one loop: zod's per-key schemas cost ~10 µs per label, the bulk of validating a storm's
 * bodies (docs/architecture.md, Threads). True only for a plain map zod would pass unchanged.
 */
export function mapFits(m: unknown, maxValue: number): m is Record<string, string> {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  let n = 0;
  for (const k in m) {
    if (!Object.hasOwn(m, k)) return false;
    const v = (m as Record<string, unknown>)[k];
    if (++n > INTAKE_LIMITS.labels || !k.length || k.length > INTAKE_LIMITS.labelName || RESERVED_NAMES.has(k)) return false;
    if (typeof v !== 'string' || v.length > maxValue) return false;
  }
  return Object.getPrototypeOf(m) === Object.prototype;
}

/** A label or annotation map within the intake limits; prototype names are refused, never treated as labels. */
export const limitedMap = (what: string, maxValue: number) => {
  const strict = z
    .record(
      z
        .string()
        .min(1)
        .max(INTAKE_LIMITS.labelName)
        .refine((k) => !RESERVED_NAMES.has(k), { message: `${what} name is reserved (__proto__, constructor, prototype)` }),
      z.string().max(maxValue),
    )
    .refine((m) => Object.keys(m).length <= INTAKE_LIMITS.labels, { message: `at most ${INTAKE_LIMITS.labels} ${what}s` });
  // A map that breaks any rule of mapFits gets the strict schema's issues, which name the field, so the errors are zod's own.
  return z.custom<Record<string, string>>().transform((m, ctx) => {
    if (mapFits(m, maxValue)) return m;
    const r = strict.safeParse(m);
    if (r.success) return r.data; // e.g. a JSON "__proto__" key, which the record drops
    for (const issue of r.error.issues) ctx.addIssue({ ...issue, input: m } as z.core.$ZodRawIssue);
    return z.NEVER;
  });
};
export const IntakeLabels = limitedMap('label', INTAKE_LIMITS.labelValue);
export const IntakeAnnotations = limitedMap('annotation', INTAKE_LIMITS.annotationValue);

/** The generic event accepted by POST /api/v1/events. */
export const GenericEventInput = z
  .object({
    source: z.string().min(1).max(100),
    labels: IntakeLabels.default({}),
    severity: Severity,
    status: AlertStatus.default('firing'),
    summary: z.string().min(1).max(1000),
    description: z.string().max(20_000).optional(),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }).optional(),
    fingerprint: z.string().min(1).max(128).optional(),
  })
  .strict();
export type GenericEventInput = z.infer<typeof GenericEventInput>;
