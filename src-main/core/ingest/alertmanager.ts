import { z } from 'zod';
import type { Severity } from '../../../src-shared/constants';
import { INTAKE_LIMITS, IntakeAnnotations, IntakeLabels, mapFits } from '../../../src-shared/domain';
import { describeZodError } from '../../../src-shared/result';
import type { IntakeEvent } from '../router';
import { amFingerprint } from './am-fingerprint';
import { parseTime, type Checked, type Normalised } from './normalise';

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

/** A severity label's value (any case) as a Vigil severity; anything else is a warning. A lookup: it runs for every alert. */
const SEVERITIES = new Map<string, Severity>([
  ...['critical', 'crit', 'page', 'error', 'high', 'emergency', 'alert', 'fatal', 'disaster'].map((s) => [s, 'critical'] as const),
  ...['info', 'informational', 'none', 'low', 'notice', 'debug'].map((s) => [s, 'info'] as const),
]);

export function amSeverity(label: string | undefined): Severity {
  return (label && SEVERITIES.get(label.toLowerCase())) || 'warning';
}

/**
 * Map an Alertmanager alert to a router event, keeping Alertmanager's fingerprint. Fields are set by name:
 * spreading this object to add one field costs ~6 µs an alert (V8), most of normalising a webhook body.
 */
export function fromAmAlert(a: AmAlert, status: 'firing' | 'resolved', origin?: IntakeEvent['origin']): IntakeEvent {
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
    // R-ALERT-1: runbook_url, dashboard_url, generatorURL … kept as sent, not folded into text.
    annotations: a.annotations,
    generatorURL: a.generatorURL || null,
    origin: origin ?? null,
  };
}

type Fields = Record<string, unknown>;
const isPlain = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const optString = (v: unknown) => v === undefined || typeof v === 'string';
const optMap = (v: unknown, maxValue: number) => v === undefined || mapFits(v, maxValue);
const { labelValue, annotationValue, eventsPerRequest } = INTAKE_LIMITS;

/**
 * The webhook as Alertmanager sends it, checked in one pass without zod: true only for a payload AmWebhook passes
 * unchanged (but for the annotations default), so its events are the ones zod's output would give. Anything else —
 * an error, or a rarer shape such as a status object — takes the zod path, which names the field. zod's object
 * and union checks cost ~2 µs an alert (a third of the main thread's work on a webhook).
 */
function plainWebhook(b: unknown): b is z.infer<typeof AmWebhook> {
  if (!isPlain(b) || b.version !== '4' || (b.status !== 'firing' && b.status !== 'resolved') || typeof b.receiver !== 'string')
    return false;
  if (!optString(b.groupKey) || (b.truncatedAlerts !== undefined && typeof b.truncatedAlerts !== 'number')) return false;
  if (b.externalURL !== undefined && (typeof b.externalURL !== 'string' || b.externalURL.length > 2000)) return false;
  if (!optMap(b.groupLabels, labelValue) || !optMap(b.commonLabels, labelValue) || !optMap(b.commonAnnotations, annotationValue))
    return false;
  const alerts = b.alerts;
  if (!Array.isArray(alerts) || !alerts.length || alerts.length > eventsPerRequest) return false;
  for (const a of alerts as unknown[]) {
    if (!isPlain(a) || (a.status !== undefined && a.status !== 'firing' && a.status !== 'resolved')) return false;
    if (!mapFits(a.labels, labelValue) || !optMap(a.annotations, annotationValue)) return false;
    if (!optString(a.startsAt) || !optString(a.endsAt) || !optString(a.generatorURL)) return false;
    if (typeof a.fingerprint !== 'string' || !a.fingerprint.length || a.fingerprint.length > 128) return false;
  }
  return true;
}

/** A webhook body as AmWebhook's output, or the refusal naming the field (zod's words). */
function readWebhook(body: unknown): { ok: true; p: z.infer<typeof AmWebhook> } | { ok: false; message: string } {
  if (plainWebhook(body)) {
    for (const a of body.alerts) a.annotations ??= {};
    return { ok: true, p: body };
  }
  const parsed = AmWebhook.safeParse(body);
  return parsed.success ? { ok: true, p: parsed.data } : { ok: false, message: describeZodError(parsed.error) };
}

export function normaliseAmWebhook(body: unknown): Normalised & { receiver?: string } {
  const r = readWebhook(body);
  return r.ok ? amEvents(r.p) : r;
}

/**
 * The same decision without the events: how many a body makes (one per alert), or the same refusal. The intake
 * thread checks and counts a webhook this way; the decider makes its events from the stored body (R-SCALE-40).
 */
export function checkAmWebhook(body: unknown): Checked {
  const r = readWebhook(body);
  return r.ok ? { ok: true, n: r.p.alerts.length } : r;
}

function amEvents(p: z.infer<typeof AmWebhook>): Normalised & { receiver: string } {
  const origin = { externalURL: p.externalURL, groupKey: p.groupKey, receiver: p.receiver };
  return {
    ok: true,
    receiver: p.receiver,
    events: p.alerts.map((a) => fromAmAlert(a, a.status === 'resolved' ? 'resolved' : 'firing', origin)),
  };
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One alert as Prometheus posts it to an Alertmanager (API v2 postableAlert). */
export const PostableAlert = z.object({
  // The same limits as every intake (R-ROUTE-9), plus Alertmanager's label-name syntax.
  labels: IntakeLabels.refine((l) => Object.keys(l).every((k) => LABEL_NAME.test(k)), 'label names are [A-Za-z_][A-Za-z0-9_]*'),
  annotations: IntakeAnnotations.default({}),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }).optional(),
  generatorURL: z.string().max(4000).optional(),
});

/** zod's own test of `z.iso.datetime({ offset: true })`, run without the schema machinery. */
const DATETIME = z.regexes.datetime({ offset: true, local: false, precision: null });
const optDatetime = (v: unknown) => v === undefined || (typeof v === 'string' && DATETIME.test(v));

/**
 * The alerts as Prometheus posts them, checked in one pass without zod (as plainWebhook): true only for a batch the
 * schema passes unchanged but for the annotations default; anything else takes the zod path, which names the field.
 */
function plainPostable(b: unknown): b is Array<z.infer<typeof PostableAlert>> {
  if (!Array.isArray(b) || b.length > eventsPerRequest) return false;
  for (const a of b as unknown[]) {
    if (!isPlain(a) || !mapFits(a.labels, labelValue) || !optMap(a.annotations, annotationValue)) return false;
    for (const k in a.labels) if (!LABEL_NAME.test(k)) return false;
    if (!optDatetime(a.startsAt) || !optDatetime(a.endsAt)) return false;
    if (a.generatorURL !== undefined && (typeof a.generatorURL !== 'string' || a.generatorURL.length > 4000)) return false;
  }
  return true;
}

/**
 * POST /api/v2/alerts (R-ALERT-2): what Prometheus sends an Alertmanager.
 * As in Alertmanager, empty labels are dropped, the fingerprint is the
 * label set's, a missing startsAt is now (or endsAt, if earlier), and an alert whose endsAt is not
 * after `now` is resolved. All-or-nothing: one bad alert refuses the batch.
 */
export function normalisePostableAlerts(body: unknown, now: number): Normalised {
  let alerts: Array<z.infer<typeof PostableAlert>>;
  if (plainPostable(body)) {
    for (const a of body) a.annotations ??= {};
    alerts = body;
  } else {
    const parsed = z.array(PostableAlert).max(INTAKE_LIMITS.eventsPerRequest).safeParse(body);
    if (!parsed.success) return { ok: false, message: describeZodError(parsed.error) };
    alerts = parsed.data;
  }
  const events: IntakeEvent[] = [];
  for (const [i, a] of alerts.entries()) {
    const labels = Object.fromEntries(Object.entries(a.labels).filter(([, v]) => v !== ''));
    if (!Object.keys(labels).length) return { ok: false, message: `${i}.labels: at least one label with a value is required` };
    const endsAt = parseTime(a.endsAt);
    // Alertmanager takes a missing startsAt as endsAt when one is given: a bare "resolved at <now, in whole
    // seconds>" is not refused as ending before it started.
    const startsAt = parseTime(a.startsAt) ?? (endsAt !== null ? Math.min(endsAt, now) : now);
    if (endsAt !== null && endsAt < startsAt) return { ok: false, message: `${i}.endsAt: before startsAt` };
    const status = endsAt !== null && endsAt <= now ? 'resolved' : 'firing';
    const { annotations, generatorURL } = a;
    const e = fromAmAlert(
      { labels, annotations, startsAt: a.startsAt, endsAt: a.endsAt, generatorURL, fingerprint: amFingerprint(labels) },
      status,
    );
    e.startsAt = startsAt;
    events.push(e);
  }
  return { ok: true, events };
}
