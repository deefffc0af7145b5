import { normaliseAmWebhook, normalisePostableAlerts } from './alertmanager';
import { normaliseGeneric, type Normalised } from './normalise';

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
