import { z } from 'zod';
import type { CoreContext } from '../context';
import type { Message } from '../message';
import { Name, SecretRef } from '../schema-parts';
import { classifyStatus, missingSecret, networkFailure, postJson, type HttpReply } from './http';
import { channelPlugin, type Channel, type SendResult } from './plugin';

export const telegramConfig = z
  .object({
    name: Name,
    type: z.literal('telegram'),
    chatId: z.string(),
    botToken: SecretRef,
    apiBase: z.url().default('https://api.telegram.org'),
    approvers: z.array(z.union([z.string(), z.number()]).transform(String)).default([]),
  })
  .strict();
type TelegramConfig = z.infer<typeof telegramConfig>;

/** Telegram's limits: 4096 characters of text, 64 bytes of callback_data. */
const MAX_TEXT = 4096;
const MAX_CALLBACK_BYTES = 64;
const ICON = { critical: '🔴', warning: '🟠', info: '🔵' } as const;

/** Telegram HTML parse mode: <, > and & outside tags must be entities; quotes too inside attributes. */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** How much of a body a message shows before it is cut (the rest of the text is title, labels, link). */
const BODY_LIMIT = 3000;
/** Budgets tried in turn until the text fits: [body, label text] in characters before escaping. */
const BUDGETS: ReadonlyArray<readonly [number, number]> = [
  [BODY_LIMIT, 1500],
  [1500, 600],
  [500, 200],
  [100, 0],
];

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/**
 * The sendMessage text: bold title, body, labels, a link back, everything from the message escaped.
 * Always within Telegram's 4,096 characters (R-NOTIFY-7): a long body, long or many labels are cut,
 * never sent whole to be refused with 400 and marked failed for ever.
 */
export function telegramText(m: Message, bodyLimit = BODY_LIMIT): string {
  for (const [body, labels] of BUDGETS) {
    const text = compose(m, cut(m.body, Math.min(body, bodyLimit)), labels);
    if (visibleLength(text) <= MAX_TEXT) return text;
  }
  return compose({ ...m, url: undefined }, '', 0); // the title alone: at most 257 characters, 6 per escaped one
}

/** Telegram counts the limit on the text after parsing: tags do not count, an entity is one character. */
const visibleLength = (html: string): number => html.replace(/<[^>]*>/g, '').replace(/&(lt|gt|amp|quot);/g, '&').length;

/** Whether the whole message fits one Telegram message (digests are split by this). */
export const fitsTelegram = (m: Message): boolean => m.body.length <= BODY_LIMIT && visibleLength(compose(m, m.body, 1500)) <= MAX_TEXT;

function compose(m: Message, body: string, labelBudget: number): string {
  const status = m.status === 'resolved' ? '✅ RESOLVED ' : '';
  const pairs: string[] = [];
  let used = 0;
  for (const [k, v] of Object.entries(m.labels).slice(0, 12)) {
    const pair = `${cut(k, 64)}=${cut(v, 200)}`;
    if (used + pair.length > labelBudget) break;
    pairs.push(escapeHtml(pair));
    used += pair.length + 1;
  }
  const parts = [`${ICON[m.severity]} ${status}<b>${escapeHtml(cut(m.title, 256))}</b>`];
  if (body) parts.push(escapeHtml(body));
  if (pairs.length) parts.push(`<code>${pairs.join(' ')}</code>`);
  if (m.url && m.url.length <= 1000) parts.push(`<a href="${escapeHtml(m.url)}">Open in Vigil</a>`);
  return parts.join('\n\n');
}

interface TelegramReply {
  ok: boolean;
  result?: { message_id?: number };
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** Answers to editMessageText that mean "that message cannot take this edit": a new message stands in for it. */
const GONE = /message to edit not found|message can't be edited|MESSAGE_ID_INVALID/i;
/** The edit changes nothing Telegram shows (a retried edit that already landed): done. */
const UNCHANGED = /message is not modified/i;

/** Telegram Bot API sendMessage (HTML, inline keyboard for approvals: R-NOTIFY-4); editMessageText folds follow-ups (R-NOTIFY-8). */
export function telegramChannel(ctx: CoreContext, cfg: TelegramConfig): Channel {
  /** One Bot API call; the token is part of the URL: never put the URL into an error message. */
  type Answer = { done: SendResult } | { reply: HttpReply; r: TelegramReply | undefined };
  const call = async (method: string, m: Message, extra: Record<string, unknown>, signal: AbortSignal): Promise<Answer> => {
    const token = ctx.secrets.get(cfg.botToken.secret);
    if (!token) return { done: missingSecret(`telegram channel ${cfg.name}`, cfg.botToken.secret) };
    const tooLong = m.buttons?.find((b) => new TextEncoder().encode(b.data).length > MAX_CALLBACK_BYTES);
    if (tooLong)
      return {
        done: {
          ok: false,
          retryable: false,
          error: `button "${tooLong.text}" carries more than ${MAX_CALLBACK_BYTES} bytes of callback data`,
        },
      };
    const body = {
      chat_id: cfg.chatId,
      ...extra,
      text: telegramText(m),
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(m.buttons?.length
        ? { reply_markup: { inline_keyboard: [m.buttons.map((b) => ({ text: b.text, callback_data: b.data }))] } }
        : {}),
    };
    try {
      const reply = await postJson(ctx.fetch, `${cfg.apiBase.replace(/\/$/, '')}/bot${token}/${method}`, JSON.stringify(body), {}, signal);
      return { reply, r: reply.json as TelegramReply | undefined };
    } catch (e) {
      return { done: networkFailure(e, signal, 'Telegram API') };
    }
  };
  const failure = (reply: HttpReply, r: TelegramReply | undefined): SendResult => {
    const retryAfter = r?.parameters?.retry_after;
    return classifyStatus(
      r?.error_code ?? reply.status,
      r?.description ?? `unexpected answer from Telegram (${reply.text.slice(0, 80)})`,
      retryAfter !== undefined ? retryAfter * 1000 : undefined,
    );
  };
  const send: Channel['send'] = async (m, _key, signal) => {
    const a = await call('sendMessage', m, {}, signal);
    if ('done' in a) return a.done;
    const id = a.r?.result?.message_id;
    if (a.r?.ok === true) return id === undefined ? { ok: true } : { ok: true, ref: String(id) };
    return failure(a.reply, a.r);
  };
  return {
    name: cfg.name,
    type: 'telegram',
    fits: fitsTelegram,
    send,
    async edit(m, ref, key, signal) {
      const a = await call('editMessageText', m, { message_id: Number(ref) }, signal);
      if ('done' in a) return a.done;
      if (a.r?.ok === true) return { ok: true, ref };
      const description = a.r?.description ?? '';
      if (UNCHANGED.test(description)) return { ok: true, ref };
      // Deleted by someone, or too old to edit: the follow-up goes out as a new message, which later ones edit.
      if (a.reply.status === 400 && GONE.test(description)) return send(m, key, signal);
      return failure(a.reply, a.r);
    },
  };
}

export const telegram = channelPlugin({ type: 'telegram', config: telegramConfig, create: (ctx, cfg) => telegramChannel(ctx, cfg) });
