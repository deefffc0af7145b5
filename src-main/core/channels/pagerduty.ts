import { z } from 'zod';
import type { CoreContext } from '../context';
import type { Message } from '../message';
import { Name, SecretRef } from '../schema-parts';
import { classifyStatus, missingSecret, networkFailure, parseRetryAfter, postJson } from './http';
import { channelPlugin, type Channel } from './plugin';

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

/** Events API v2 body: trigger with the alert's fingerprint as dedup_key; acknowledge and resolve by the same key. */
export function pagerDutyEvent(routingKey: string, m: Message, key: string): Record<string, unknown> {
  const dedupKey = (m.fingerprint ?? key).slice(0, 255);
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
  return {
    name: cfg.name,
    type: 'pagerduty',
    // One incident per alert: a digest would trigger an incident nothing ever resolves.
    digests: false,
    async send(m, key, signal) {
      const routingKey = ctx.secrets.get(cfg.routingKey.secret);
      if (!routingKey) return missingSecret(`pagerduty channel ${cfg.name}`, cfg.routingKey.secret);
      try {
        const r = await postJson(ctx.fetch, cfg.url, JSON.stringify(pagerDutyEvent(routingKey, m, key)), {}, signal);
        const j = r.json as PagerDutyReply | undefined;
        const detail = [j?.status, j?.message, ...(j?.errors ?? [])].filter(Boolean).join(': ') || r.text.slice(0, 200);
        return classifyStatus(r.status, `PagerDuty: ${detail}`, parseRetryAfter(r.headers.get('retry-after'), ctx.clock.now()));
      } catch (e) {
        return networkFailure(e, signal, 'PagerDuty');
      }
    },
  };
}

export const pagerduty = channelPlugin({ type: 'pagerduty', config: pagerdutyConfig, create: (ctx, cfg) => pagerDutyChannel(ctx, cfg) });
