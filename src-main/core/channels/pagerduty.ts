import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CoreContext } from '../context';
import type { Message } from '../message';
import { Name, SecretRef } from '../schema-parts';
import { classifyStatus, missingSecret, networkFailure, parseRetryAfter, postJson } from './http';
import { channelPlugin, type Channel, type SendResult } from './plugin';

export const pagerdutyConfig = z
  .object({
    name: Name,
    type: z.literal('pagerduty'),
    routingKey: SecretRef,
    url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
  })
  .strict();
type PagerDutyConfig = z.infer<typeof pagerdutyConfig>;

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}…` : s);
const capLabels = (labels: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(labels)
      .slice(0, 64)
      .map(([k, v]) => [k.slice(0, 200), cut(v, 1000)]),
  );

const fit = (k: string): string => (k.length <= 255 ? k : `vigil-incident:${createHash('sha256').update(k).digest('hex')}`);

/**
 * The dedup_key (R-NOTIFY-10): PagerDuty's own model for follow-ups. A message of an incident thread (the alert
 * group: its first alert, group updates, flap and burst notices, triage, the group's resolution) uses the incident's
 * key, so its follow-ups are trigger events PagerDuty deduplicates into ONE open incident (appended to its log, no
 * new page) and the incident's resolution resolves it. An escalation (in its incident's thread since it must reach
 * whoever the incident paged) opens its own page under the alert's fingerprint, as messages outside a thread do; one
 * member's resolution while its incident goes on keeps the fingerprint too (it must not resolve the page for alerts
 * still firing), so it closes the member's escalated page.
 */
export function dedupKeyOf(m: Message, key: string): string {
  const t = m.kind === 'escalation' ? undefined : m.thread;
  const member = m.status === 'resolved' && t !== undefined && !t.closes && !t.key.startsWith('fp|');
  return fit(t && !member ? `vigil-incident:${t.key}` : (m.fingerprint ?? key));
}

/** Events API v2 body: trigger with the incident's (or alert's) dedup_key; acknowledge and resolve by the same key. */
export function pagerDutyEvent(routingKey: string, m: Message, key: string): Record<string, unknown> {
  const dedupKey = dedupKeyOf(m, key);
  if (m.status === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  // Acknowledged in Vigil (R-ROUTE-8): PagerDuty stops paging; the later resolution still resolves the incident.
  if (m.kind === 'ack') return { routing_key: routingKey, event_action: 'acknowledge', dedup_key: dedupKey };
  const source = (m.labels.instance ?? m.labels.host ?? m.labels.job ?? 'vigil').slice(0, 255);
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: m.title.slice(0, 1024),
      source,
      severity: m.severity,
      ...(m.labels.alertname ? { class: m.labels.alertname.slice(0, 255) } : {}),
      // Events API v2 refuses an event over 512 KB: details are cut so a big alert still pages (R-NOTIFY-7).
      custom_details: { body: cut(m.body, 16_000), labels: capLabels(m.labels), kind: m.kind, eventId: m.eventId },
    },
    client: 'Vigil',
    ...(m.url ? { client_url: m.url, links: [{ href: m.url, text: 'Open in Vigil' }] } : {}),
  };
}

interface PagerDutyReply {
  status?: string;
  message?: string;
  errors?: string[];
}

/** PagerDuty Events API v2: 202 accepted; 400 invalid event is final; 429 and 5xx are retried. */
export function pagerDutyChannel(ctx: CoreContext, cfg: PagerDutyConfig): Channel {
  const post = async (event: Record<string, unknown>, signal: AbortSignal): Promise<SendResult> => {
    try {
      const r = await postJson(ctx.fetch, cfg.url, JSON.stringify(event), {}, signal);
      const j = r.json as PagerDutyReply | undefined;
      const detail = [j?.status, j?.message, ...(j?.errors ?? [])].filter(Boolean).join(': ') || r.text.slice(0, 200);
      return classifyStatus(r.status, `PagerDuty: ${detail}`, parseRetryAfter(r.headers.get('retry-after'), ctx.clock.now()));
    } catch (e) {
      return networkFailure(e, signal, 'PagerDuty');
    }
  };
  return {
    name: cfg.name,
    type: 'pagerduty',
    // PagerDuty deduplicates by dedup_key itself: every event goes at once, follow-ups update one incident.
    digests: false,
    async send(m, key, signal) {
      const routingKey = ctx.secrets.get(cfg.routingKey.secret);
      if (!routingKey) return missingSecret(`pagerduty channel ${cfg.name}`, cfg.routingKey.secret);
      // An acknowledgement reaches the page wherever it was opened: the incident's (routed) and the alert's (escalated).
      // PagerDuty accepts an acknowledge or resolve for a dedup_key with no open alert and changes nothing.
      // A lone alert's resolution (its incident's key) closes its escalated page (the fingerprint's) too.
      const both = (m.kind === 'ack' || m.status === 'resolved') && m.thread && m.fingerprint && dedupKeyOf(m, key) !== m.fingerprint;
      const events = both
        ? [pagerDutyEvent(routingKey, { ...m, thread: undefined }, key), pagerDutyEvent(routingKey, m, key)]
        : [pagerDutyEvent(routingKey, m, key)];
      for (const event of events) {
        const r = await post(event, signal);
        if (!r.ok) return r;
      }
      return { ok: true };
    },
  };
}

export const pagerduty = channelPlugin({ type: 'pagerduty', config: pagerdutyConfig, create: (ctx, cfg) => pagerDutyChannel(ctx, cfg) });
