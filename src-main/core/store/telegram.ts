import type { Database } from './db';
import { select } from './sql';

/** Where the Telegram getUpdates poller resumes (next update_id per bot). */
export interface TelegramOffsets {
  get(bot: string): number | null;
  set(bot: string, next: number, now: number): void;
}

export function sqliteTelegramOffsets(db: Database): TelegramOffsets {
  const get = select<{ next: number }>(db, 'SELECT next_update AS next FROM telegram_offsets WHERE bot = ?');
  const set = db.prepare(
    'INSERT INTO telegram_offsets (bot, next_update, updated_at) VALUES (?, ?, ?) ON CONFLICT(bot) DO UPDATE SET next_update = excluded.next_update, updated_at = excluded.updated_at',
  );
  return {
    get: (bot) => get.get(bot)?.next ?? null,
    set: (bot, next, now) => void set.run(bot, next, now),
  };
}
