import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { CoreContext } from '../context';
import { Duration } from '../duration';
import { Name, SecretRef } from '../schema-parts';
import { classifyStatus, missingSecret, networkFailure, parseRetryAfter, postJson } from './http';
import { channelPlugin, type Channel } from './plugin';

/** A chat robot (Slack, DingTalk, Feishu, WeCom) behind a webhook: at most one follow-up message per incident per 5 min. */
export const DEFAULT_DIGEST_MS = 300_000;

export const webhookConfig = z
  .object({
    name: Name,
    type: z.literal('webhook'),
    url: z.url(),
    hmacSecret: SecretRef.optional(),
    timeout: Duration.default(10_000),
    // R-NOTIFY-9: an incident's follow-ups go out as one digest per this interval (0: each at once, for machines).
    digest: Duration.default(DEFAULT_DIGEST_MS),
    // Sends in flight at once (R-NOTIFY-11): one incident's or alert's messages still go in order; 1 keeps the queue's order.
    concurrency: z.number().int().min(1).max(64).default(8),
  })
  .strict();
type WebhookConfig = z.infer<typeof webhookConfig>;

export const SIGNATURE_HEADER = 'X-Vigil-Signature';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>`. */
export const signBody = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Generic webhook: JSON POST, idempotency key header, optional HMAC signature. */
export function webhookChannel(ctx: CoreContext, cfg: WebhookConfig): Channel {
  const host = new URL(cfg.url).host;
  return {
    name: cfg.name,
    type: 'webhook',
    timeoutMs: cfg.timeout,
    // A machine (ticket system, chat bridge) gets every message of a backlog, complete and in order.
    digests: false,
    digestEvery: cfg.digest,
    concurrency: cfg.concurrency,
    // Claimed and settled four windows at a time: one transaction per 32 messages at the default width.
    batch: cfg.concurrency * 4,
    async send(m, key, signal) {
      const headers: Record<string, string> = { [IDEMPOTENCY_HEADER]: key };
      const body = JSON.stringify({ version: 1, channel: cfg.name, idempotencyKey: key, sentAt: ctx.clock.now(), message: m });
      if (cfg.hmacSecret) {
        // Never send unsigned when a signature is configured: hold the message until the secret is there.
        const secret = ctx.secrets.get(cfg.hmacSecret.secret);
        if (!secret) return missingSecret(`webhook channel ${cfg.name}`, cfg.hmacSecret.secret);
        headers[SIGNATURE_HEADER] = signBody(secret, body);
      }
      try {
        const r = await postJson(ctx.fetch, cfg.url, body, headers, signal);
        // Taken (classifyStatus's answer for any 2xx): the answer's headers are not read (node builds them on demand).
        if (r.status >= 200 && r.status < 300) return { ok: true };
        return classifyStatus(
          r.status,
          `${host} answered ${r.text.slice(0, 200) || '(empty body)'}`,
          parseRetryAfter(r.headers.get('retry-after'), ctx.clock.now()),
        );
      } catch (e) {
        return networkFailure(e, signal, `webhook ${host}`);
      }
    },
  };
}

export const webhook = channelPlugin({ type: 'webhook', config: webhookConfig, create: (ctx, cfg) => webhookChannel(ctx, cfg) });
