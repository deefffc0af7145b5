import type { FastifyReply, FastifyRequest } from 'fastify';
import { TelegramUpdate } from '../../core/agents';
import { roleRefusal } from '../../../src-shared/api/people';
import { describeZodError } from '../../../src-shared/result';
import { tokenMatches } from '../auth';
import { sendError } from '../http';
import type { RouteModule } from './index';

/** Secret name for Telegram's `secret_token` (setWebhook); the bot sends it in X-Telegram-Bot-Api-Secret-Token. */
export const TELEGRAM_WEBHOOK_SECRET = 'telegram-webhook';

/**
 * POST /api/v1/telegram/callback: Telegram's webhook for inline-button
 * presses on HITL prompts. Authenticated by the API bearer token or by the
 * webhook secret token header. The approver and approval checks are in the
 * core (handleTelegramCallback); the answer is an answerCallbackQuery method
 * call in the webhook response, so the person sees the outcome on the button.
 */
export const telegramRoutes: RouteModule = (app, { core, access }) => {
  // Checked in onRequest, before the body is read (R-SEC-1).
  const onRequest = async (req: FastifyRequest, reply: FastifyReply) => {
    const secret = core.ctx.secrets.get(TELEGRAM_WEBHOOK_SECRET);
    const header = req.headers['x-telegram-bot-api-secret-token'];
    const viaHeader = typeof header === 'string' && secret !== undefined && tokenMatches(header, secret);
    // A bearer caller relays updates that act as Telegram users, so only an admin may (or Telegram itself, by the secret).
    const p = viaHeader ? null : access.principal(req);
    if (!viaHeader && p?.kind === 'person' && p.actor.role !== 'admin')
      return sendError(reply, 'forbidden', roleRefusal(p.actor.name, p.actor.role, 'relaying Telegram updates', 'admin'));
    if (!viaHeader && p?.kind !== 'person') {
      return sendError(
        reply,
        'unauthorized',
        `send "Authorization: Bearer <token>" or the X-Telegram-Bot-Api-Secret-Token set with setWebhook (secret "${TELEGRAM_WEBHOOK_SECRET}")`,
      );
    }
  };
  app.post('/api/v1/telegram/callback', { onRequest }, async (req, reply) => {
    const parsed = TelegramUpdate.safeParse(req.body);
    if (!parsed.success) return sendError(reply, 'bad_request', `not a Telegram Update: ${describeZodError(parsed.error)}`);
    // "Acknowledge" buttons (callback data ack:…) belong to the ack area (R-ROUTE-8); hitl:… to the agents.
    const out = core.telegramCallback(parsed.data);
    // Other update kinds are acknowledged (200) so Telegram does not redeliver them.
    if (!out.handled) return { ok: true, ignored: out.reason };
    return {
      method: 'answerCallbackQuery',
      callback_query_id: out.callbackQueryId,
      text: out.text.slice(0, 200),
      show_alert: !out.accepted,
      accepted: out.accepted,
    };
  });
};
