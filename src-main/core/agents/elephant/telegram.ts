import { z } from 'zod';
import type { Actor } from '../../../../src-shared/api/access';
import { roleAtLeast, roleRefusal } from '../../../../src-shared/api/people';
import type { ChannelConfig } from '../../config';
import { VigilError } from '../../errors';
import type { AuditWriter } from '../openclaw/safe-actions';
import { CALLBACK_RE } from './hitl';
import type { Elephant } from './service';

/** The part of a Telegram Update that carries an inline-button press (Bot API `CallbackQuery`). */
export const TelegramUpdate = z.object({
  update_id: z.number().int(),
  callback_query: z
    .object({
      id: z.string(),
      from: z.object({ id: z.number().int(), username: z.string().optional(), first_name: z.string().optional() }),
      message: z.object({ message_id: z.number().int(), chat: z.object({ id: z.union([z.number(), z.string()]) }) }).optional(),
      data: z.string().max(64).optional(),
    })
    .optional(),
});
export type TelegramUpdate = z.infer<typeof TelegramUpdate>;

export type CallbackOutcome =
  { handled: false; reason: string } | { handled: true; accepted: boolean; callbackQueryId: string; text: string };

type TelegramChannel = Extract<ChannelConfig, { type: 'telegram' }>;

/**
 * A HITL button press from Telegram. Accepted only from a configured
 * approver of the chat's channel (`approvers`), and only for the exact
 * pending approval the button was made for (approval id + nonce). Every
 * refusal is audited; nothing is decided by the UI or the model.
 */
export function handleTelegramCallback(
  update: TelegramUpdate,
  deps: { elephant: Elephant; channels: () => ChannelConfig[]; audit: AuditWriter; person?: (id: number) => Actor | null },
): CallbackOutcome {
  const cq = update.callback_query;
  if (!cq) return { handled: false, reason: 'not a callback query' };
  // A Telegram user who is a person acts as that person, with that person's role (R-PEOPLE-2).
  const person = deps.person?.(cq.from.id) ?? null;
  const who = person?.name ?? `telegram:${cq.from.id}${cq.from.username ? ` (@${cq.from.username})` : ''}`;
  const refuse = (text: string): CallbackOutcome => {
    deps.audit.append({
      actor: who,
      action: 'plan.approval_refused',
      subject: 'telegram',
      detail: { data: cq.data ?? null, reason: text },
    });
    return { handled: true, accepted: false, callbackQueryId: cq.id, text: `Refused: ${text}` };
  };
  const telegram = deps.channels().filter((c): c is TelegramChannel => c.type === 'telegram');
  const chatId = cq.message ? String(cq.message.chat.id) : null;
  // Approvers of the channel the button was posted in; without a message, of any Telegram channel.
  const scope = chatId ? telegram.filter((c) => c.chatId === chatId) : telegram;
  const approvers = new Set(scope.flatMap((c) => c.approvers));
  if (person && !roleAtLeast(person.role, 'approver'))
    return refuse(roleRefusal(person.name, person.role, 'deciding approvals', 'approver'));
  if (!person && !approvers.has(String(cq.from.id)))
    return refuse(`user ${cq.from.id} is not an approver${chatId ? ` for chat ${chatId}` : ''}`);
  const m = CALLBACK_RE.exec(cq.data ?? '');
  if (!m) return refuse('this button is not a Vigil approval');
  const [, verb, approvalId, nonce] = m as unknown as [string, 'a' | 'r', string, string];
  try {
    const a = deps.elephant.decide(approvalId, verb === 'a' ? 'approve' : 'reject', who, 'telegram', nonce);
    return {
      handled: true,
      accepted: true,
      callbackQueryId: cq.id,
      text: `${a.status === 'approved' ? 'Approved' : 'Rejected'}: ${a.question}`,
    };
  } catch (e) {
    if (e instanceof VigilError) return refuse(e.message);
    throw e;
  }
}
