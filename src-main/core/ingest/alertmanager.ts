import { z } from 'zod';
import type { Severity } from '../../../src-shared/constants';
import { INTAKE_LIMITS, IntakeAnnotations, IntakeLabels } from '../../../src-shared/domain';
import { describeZodError } from '../../../src-shared/result';
import type { IntakeEvent } from '../router';
import { parseTime, type Normalised } from './normalise';

/** One alert as Alertmanager sends it (webhook v4) or serves it (API v2); extra fields are ignored. */
export const AmAlert = z.object({
  status: z.union([z.enum(['firing', 'resolved']), z.object({ state: z.string() }).loose()]).optional(),
  labels: IntakeLabels,
  annotations: IntakeAnnotations.default({}),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).max(128),
});
export type AmAlert = z.infer<typeof AmAlert>;

/** The webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export const AmWebhook = z.object({
  version: z.literal('4'),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: IntakeLabels.default({}),
  commonLabels: IntakeLabels.default({}),
  commonAnnotations: IntakeAnnotations.default({}),
  externalURL: z.string().max(2000).optional(),
  // Alertmanager's webhook max_alerts caps a group the same way (it reports the rest in truncatedAlerts).
  alerts: z.array(AmAlert).min(1, 'the payload has no alerts').max(INTAKE_LIMITS.eventsPerRequest),
});

export function amSeverity(label: string | undefined): Severity {
  const s = (label ?? '').toLowerCase();
  if (/^(critical|crit|page|error|high|emergency|alert|fatal|disaster)$/.test(s)) return 'critical';
  if (/^(info|informational|none|low|notice|debug)$/.test(s)) return 'info';
  return 'warning';
}

/** Map an Alertmanager alert to a router event, keeping Alertmanager's fingerprint. */
export function fromAmAlert(a: AmAlert, status: 'firing' | 'resolved'): IntakeEvent {
  const summary = a.annotations.summary ?? a.annotations.description ?? a.labels.alertname ?? 'Alertmanager alert';
  return {
    source: 'alertmanager',
    fingerprint: a.fingerprint,
    severity: amSeverity(a.labels.severity),
    status,
    summary: summary.slice(0, 1000),
    description: a.annotations.description && a.annotations.description !== summary ? a.annotations.description : null,
    labels: a.labels,
    startsAt: parseTime(a.startsAt),
    endsAt: parseTime(a.endsAt),
  };
}

export function normaliseAmWebhook(body: unknown): Normalised & { receiver?: string } {
  const parsed = AmWebhook.safeParse(body);
  if (!parsed.success) return { ok: false, message: describeZodError(parsed.error) };
  const p = parsed.data;
  return {
    ok: true,
    receiver: p.receiver,
    events: p.alerts.map((a) => fromAmAlert(a, a.status === 'resolved' ? 'resolved' : 'firing')),
  };
}
