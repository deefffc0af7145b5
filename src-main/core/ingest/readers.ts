import { checkAmWebhook, normaliseAmWebhook, normalisePostableAlerts } from './alertmanager';
import { normaliseGeneric, type Checked, type Normalised } from './normalise';

/**
 * The HTTP intake routes' adapters by name, so the intake thread (router/intake-thread.ts) and the main thread's
 * inline path read a body with the same code: generic events, the Alertmanager webhook, and the alerts Prometheus
 * posts to its Alertmanager (`now`: the request's arrival, for a missing startsAt and for "resolved").
 */
export const INTAKE_READERS = {
  events: (body: unknown) => normaliseGeneric(body),
  'am-webhook': (body: unknown) => normaliseAmWebhook(body),
  'am-postable': (body: unknown, now: number) => normalisePostableAlerts(body, now),
} satisfies Record<string, (body: unknown, now: number) => Normalised>;

export type IntakeKind = keyof typeof INTAKE_READERS;

const counted =
  (read: (body: unknown, now: number) => Normalised) =>
  (body: unknown, now: number): Checked => {
    const n = read(body, now);
    return n.ok ? { ok: true, n: n.events.length } : n;
  };

/**
 * Each adapter's decision on a body, as its reader decides it, without keeping the events: what the intake thread
 * needs before the 202 (the events are made from the stored body on the decider, R-SCALE-40). The webhook's is
 * counted without making them (no event objects, no time parsing); the others make and count them.
 */
export const INTAKE_CHECKS = {
  events: counted(INTAKE_READERS.events),
  'am-webhook': (body: unknown) => checkAmWebhook(body),
  'am-postable': counted(INTAKE_READERS['am-postable']),
} satisfies Record<IntakeKind, (body: unknown, now: number) => Checked>;
