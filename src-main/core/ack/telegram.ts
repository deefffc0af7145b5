import type { Actor } from '../../../src-shared/api/access';
import { roleAtLeast, roleRefusal } from '../../../src-shared/api/people';
import type { CallbackOutcome, TelegramUpdate } from '../agents';
import type { Audit } from '../audit';
import type { CoreContext } from '../context';
import { VigilError } from '../errors';
import type { AckStore } from '../store';
import { refOf } from './refs';
import type { AckService } from './service';

/**
 * An "Acknowledge" button press from Telegram (callback data `ack:<ref>`).
 * Accepted only from a user id listed in `approvers` of the Telegram
 * channel the button was posted in (of any Telegram channel when the
 * update carries no message). Refusals change nothing and are logged.
 */
export function handleAckCallback(
  ctx: CoreContext,
  update: TelegramUpdate,
  deps: { service: AckService; acks: AckStore; person?: (id: number) => Actor | null; audit?: Audit },
): CallbackOutcome {
  const cq = update.callback_query;
  if (!cq) return { handled: false, reason: 'not a callback query' };
  const who = cq.from.username ? `@${cq.from.username}` : (cq.from.first_name ?? `user ${cq.from.id}`);
  const refuse = (text: string): CallbackOutcome => {
    ctx.log.warn({ from: cq.from.id, data: cq.data ?? null, reason: text }, 'telegram acknowledgement refused');
    return { handled: true, accepted: false, callbackQueryId: cq.id, text: `Refused: ${text}` };
  };
  const chatId = cq.message ? String(cq.message.chat.id) : null;
  const channels = ctx.config.channels.flatMap((c) => (c.type === 'telegram' && (chatId === null || c.chatId === chatId) ? [c] : []));
  // A Telegram user who is a person acts as that person, with that person's role (R-PEOPLE-2).
  const person = deps.person?.(cq.from.id) ?? null;
  if (person && !roleAtLeast(person.role, 'responder')) return refuse(roleRefusal(person.name, person.role, 'acknowledging', 'responder'));
  if (!person && !channels.some((c) => c.approvers.includes(String(cq.from.id))))
    return refuse(`user ${cq.from.id} may not acknowledge alerts${chatId ? ` in chat ${chatId}` : ''} (not in the channel's approvers)`);
  const ref = refOf(cq.data ?? '');
  const fingerprint = ref ? deps.acks.fingerprintOf(ref) : null;
  if (!fingerprint) return refuse('this button does not name an alert Vigil knows');
  try {
    const by = person?.name ?? `${who} (telegram ${cq.from.id})`;
    const info = deps.service.ack({ fingerprint, by, via: 'telegram' });
    // Not through Core.call, so audited here, as the person (R-AUDIT-2).
    try {
      if (info.ack?.by === by)
        deps.audit?.append({ actor: by, action: 'alerts.ack', subject: `alerts:${fingerprint}`, detail: { via: 'telegram' } });
    } catch (err) {
      ctx.log.error({ err, fingerprint, by }, 'audit write of a Telegram acknowledgement failed'); // the ack itself stands
    }
    const first = info.ack?.by === by ? 'Acknowledged' : `Already acknowledged by ${info.ack?.by ?? 'someone'}`;
    return { handled: true, accepted: true, callbackQueryId: cq.id, text: `${first}: repeats and escalation stop until it resolves.` };
  } catch (e) {
    if (e instanceof VigilError) return refuse(e.message);
    throw e;
  }
}
