import { ackButton } from '../ack';
import type { TriageResult } from '../../../src-shared/domain';
import type { Message, MessageKind } from '../notify';
import type { EventRecord } from '../store';

const triageLines = (t: TriageResult | null): string[] => {
  if (!t) return [];
  const who = t.agent === 'hermes' ? 'Hermes (rules)' : `NemoTron (${t.model ?? 'model'})`;
  const lines = [`Triage by ${who}: ${t.category}, ${t.priority}`];
  if (t.fallbackReason) lines.push(`AI triage unavailable (${t.fallbackReason}); rule-based triage shown.`);
  if (t.probableCause) lines.push(`Probable cause: ${t.probableCause}`);
  if (t.runbook) lines.push(`Runbook: ${t.runbook}`);
  if (t.suggestedActions.length) lines.push(`Suggested: ${t.suggestedActions.join('; ')}`);
  return lines;
};

/** The human-readable message for an event notification (alert, resolved) or a triage update. */
export function formatMessage(
  ev: EventRecord,
  kind: MessageKind,
  triage: TriageResult | null,
  opts: { count?: number; aiFollows?: boolean } = {},
): Message {
  const sev = ev.severity.toUpperCase();
  const title = kind === 'resolved' ? `RESOLVED: ${ev.summary}` : kind === 'triage' ? `Triage: ${ev.summary}` : `${sev}: ${ev.summary}`;
  const labels = Object.entries(ev.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const body = [
    ev.description ?? '',
    labels ? `Labels: ${labels}` : '',
    opts.count && opts.count > 1 ? `Seen ${opts.count} times.` : '',
    ...triageLines(triage),
    kind !== 'triage' && kind !== 'resolved' && opts.aiFollows ? 'AI triage will follow as an update.' : '',
  ]
    .filter(Boolean)
    .join('\n');
  const ack = kind === 'alert' && ev.status === 'firing' ? { buttons: [ackButton(ev.fingerprint)] } : {}; // R-ROUTE-8: Telegram "Acknowledge"
  return {
    kind,
    title,
    body,
    severity: ev.severity,
    eventId: ev.id,
    fingerprint: ev.fingerprint,
    status: ev.status,
    labels: ev.labels,
    ...ack,
  };
}
