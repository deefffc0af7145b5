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

/** The generic event accepted by POST /api/v1/events. */
export const GenericEventInput = z
  .object({
    source: z.string().min(1).max(100),
    labels: z.record(z.string().max(200), z.string().max(2000)).default({}),
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
