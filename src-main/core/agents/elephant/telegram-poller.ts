import { createHash } from 'node:crypto';
import type { Clock, TimerHandle } from '../../clock';
import type { ChannelConfig, SecretStore } from '../../config';
import type { Logger } from '../../log';
import type { TelegramOffsets } from '../../store';
import { TelegramUpdate, type CallbackOutcome } from './telegram';

type TelegramChannel = Extract<ChannelConfig, { type: 'telegram' }>;

export interface TelegramPollerOptions {
  /** Telegram channels; those with approvers are polled (one loop per bot token). */
  channels: () => ChannelConfig[];
  secrets: SecretStore;
  fetch: typeof fetch;
  clock: Clock;
  log?: Logger;
  offsets: TelegramOffsets;
  /** Decide one button press (HITL approvals, acknowledgements …). */
  dispatch(update: TelegramUpdate): CallbackOutcome;
  /** getUpdates long-poll seconds (Telegram allows up to 50). */
  longPollSeconds?: number;
  /** Wait after a failed poll. */
  retryMs?: number;
}

export interface TelegramBot {
  /** Stable key for the offset, not the token itself. */
  key: string;
  base: string;
  channels: string[];
  stopped: string | null;
}

const UpdatesReply = {
  parse(json: unknown): { ok: true; result: unknown[] } | { ok: false; code: number; description: string } {
    const j = json as { ok?: boolean; result?: unknown; error_code?: number; description?: string } | null;
    if (j?.ok === true && Array.isArray(j.result)) return { ok: true, result: j.result };
    return { ok: false, code: j?.error_code ?? 0, description: j?.description ?? 'unreadable answer' };
  },
};

/**
 * Button presses without a public webhook (a laptop behind NAT): long-poll
 * `getUpdates` for callback queries, hand each to `dispatch` (which checks
 * approver and approval in the core), answer with `answerCallbackQuery`,
 * and keep the offset in SQLite. A bot with a webhook set answers 409 to
 * getUpdates: then the webhook route is the intake and polling stops.
 */
export function createTelegramPoller(o: TelegramPollerOptions) {
  const longPoll = o.longPollSeconds ?? 25;
  let running = false;
  const inflight = new Set<AbortController>();
  const timers = new Set<TimerHandle>();

  function bots(): TelegramBot[] {
    const byToken = new Map<string, TelegramBot>();
    for (const c of o.channels().filter((ch): ch is TelegramChannel => ch.type === 'telegram' && ch.approvers.length > 0)) {
      const token = o.secrets.get(c.botToken.secret);
      if (!token) continue;
      const key = createHash('sha256').update(`${c.apiBase}|${token}`).digest('hex').slice(0, 16);
      const bot = byToken.get(key) ?? { key, base: `${c.apiBase.replace(/\/+$/, '')}/bot${token}`, channels: [], stopped: null };
      bot.channels.push(c.name);
      byToken.set(key, bot);
    }
    return [...byToken.values()];
  }

  async function call(bot: TelegramBot, method: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const ac = new AbortController();
    inflight.add(ac);
    const timer = o.clock.setTimeout(() => ac.abort(new Error(`${method} took longer than ${timeoutMs} ms`)), timeoutMs);
    try {
      const res = await o.fetch(`${bot.base}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: ac.signal,
      });
      const text = await res.text();
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return { ok: false, error_code: res.status, description: `HTTP ${res.status}: ${text.slice(0, 100)}` };
      }
    } finally {
      timer.cancel();
      inflight.delete(ac);
    }
  }

  /** One getUpdates round for one bot; returns how many updates were taken. */
  async function pollOnce(bot: TelegramBot, waitSeconds = longPoll): Promise<number> {
    const offset = o.offsets.get(bot.key);
    const reply = UpdatesReply.parse(
      await call(
        bot,
        'getUpdates',
        { ...(offset !== null ? { offset } : {}), timeout: waitSeconds, allowed_updates: ['callback_query'] },
        (waitSeconds + 10) * 1000,
      ),
    );
    if (!reply.ok) {
      if (reply.code === 409 || reply.code === 401 || reply.code === 404) {
        bot.stopped =
          reply.code === 409
            ? `a webhook is set for this bot (${reply.description}); button presses arrive at POST /api/v1/telegram/callback`
            : `the bot token is not accepted (${reply.description})`;
        o.log?.warn({ channels: bot.channels, reason: bot.stopped }, 'telegram polling stopped');
        return 0;
      }
      throw new Error(`getUpdates failed: ${reply.code} ${reply.description}`);
    }
    let taken = 0;
    for (const raw of reply.result) {
      const id = (raw as { update_id?: unknown }).update_id;
      if (typeof id !== 'number') continue;
      const parsed = TelegramUpdate.safeParse(raw);
      let out: CallbackOutcome = { handled: false, reason: 'not a callback query' };
      if (parsed.success) {
        try {
          out = o.dispatch(parsed.data);
        } catch (e) {
          o.log?.error({ err: (e as Error).message, update: id }, 'telegram button press failed');
        }
      }
      // The offset moves past the update first: a press is decided at most once, even if answering fails.
      o.offsets.set(bot.key, id + 1, o.clock.now());
      taken++;
      if (out.handled) {
        await call(
          bot,
          'answerCallbackQuery',
          { callback_query_id: out.callbackQueryId, text: out.text.slice(0, 200), show_alert: !out.accepted },
          10_000,
        ).catch((e: Error) => o.log?.warn({ err: e.message }, 'answerCallbackQuery failed'));
      }
    }
    return taken;
  }

  function loop(bot: TelegramBot): void {
    if (!running || bot.stopped) return;
    pollOnce(bot).then(
      () => loop(bot),
      (e: Error) => {
        o.log?.warn({ err: e.message, channels: bot.channels }, 'telegram getUpdates failed; retrying');
        const t = o.clock.setTimeout(() => {
          timers.delete(t);
          loop(bot);
        }, o.retryMs ?? 5_000);
        timers.add(t);
      },
    );
  }

  return {
    bots,
    pollOnce,
    start() {
      running = true;
      for (const b of bots()) loop(b);
    },
    stop() {
      running = false;
      for (const t of timers) t.cancel();
      for (const ac of inflight) ac.abort(new Error('Vigil is stopping'));
    },
  };
}
export type TelegramPoller = ReturnType<typeof createTelegramPoller>;
