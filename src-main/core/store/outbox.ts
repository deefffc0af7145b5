import type { OutboxState } from '../../../src-shared/api/outbox';
import type { Database } from './db';
import type { Severity } from '../../../src-shared/constants';
import type { Addressee, Message, MessageButton } from '../message';
import { counter, fromJson, select, type JsonText } from './sql';

export type { OutboxState };
import type { OutboxChannelCounts, OutboxListQuery, OutboxRow, OutboxStore, OutboxThread } from './outbox-types';
export type { OutboxChannelCounts, OutboxListQuery, OutboxRow, OutboxStore, OutboxThread };

interface RawThread {
  channel: string;
  thread: string;
  ref: string | null;
  opened_at: number;
  updated_at: number;
  closed_at: number | null;
  severity: Severity;
  body: JsonText<{ lines: string[]; buttons: MessageButton[] }>;
  messages: number;
  folded: number;
}

const toThread = (r: RawThread): OutboxThread => {
  const body = fromJson(r.body);
  return {
    channel: r.channel,
    key: r.thread,
    ref: r.ref,
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
    severity: r.severity,
    lines: body.lines,
    buttons: body.buttons,
    messages: r.messages,
    folded: r.folded,
  };
};

interface Raw {
  id: number;
  channel: string;
  idem_key: string;
  message: JsonText<Message>;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  expires_at: number;
  sent_at: number | null;
  digest_id: number | null;
}

const toRow = (r: Raw): OutboxRow => ({
  id: r.id,
  channel: r.channel,
  key: r.idem_key,
  message: fromJson(r.message),
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  sentAt: r.sent_at,
  digestId: r.digest_id,
});

/**
 * The status snapshot's outbox figures (every SSE connect and 5 s tick), never a row read per waiting message
 * (R-SCALE-19): the channels by seeks along the (channel, …) index, each one's waiting rows counted in the covering
 * (channel, state, id) index and its first in queue order read by id; recent failures by (state, created_at).
 * 5,000 held desktop messages: ~9 ms → 0.5 ms (the rows were read one by one for their channel).
 */
export const STATUS_SQL = {
  // The next channel name after `?` (the first: after ''; names are never empty), one seek of the channel index each.
  channelAfter: `SELECT min(channel) FROM outbox WHERE channel > ?`,
  live: `SELECT count(*) AS backlog, min(id) AS first FROM outbox WHERE channel = ? AND state IN ('pending', 'sending')`,
  lost: `SELECT channel, sum(state = 'failed') AS failed, sum(state = 'expired') AS expired
         FROM outbox WHERE state IN ('failed', 'expired') AND created_at >= ? GROUP BY channel`,
};

export function sqliteOutboxStore(db: Database): OutboxStore {
  const s = {
    insert: db.prepare(
      `INSERT INTO outbox (channel, idem_key, message, state, created_at, expires_at, next_attempt_at)
       VALUES (@channel, @key, @message, 'pending', @now, @expiresAt, 0)
       ON CONFLICT (channel, idem_key) DO NOTHING`,
    ),
    head: select<Raw>(db, `SELECT * FROM outbox WHERE channel = ? AND state = 'pending' ORDER BY id LIMIT 1`),
    get: select<Raw>(db, `SELECT * FROM outbox WHERE id = ?`),
    sending: db.prepare(`UPDATE outbox SET state = 'sending' WHERE id = ? AND state = 'pending'`),
    // The head rows of a channel are exactly its pending rows in this id range (ids only grow).
    sendingRange: db.prepare(`UPDATE outbox SET state = 'sending' WHERE channel = ? AND state = 'pending' AND id BETWEEN ? AND ?`),
    sent: db.prepare(`UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL WHERE id = ?`),
    sentItems: db.prepare(`UPDATE outbox SET sent_at = ? WHERE digest_id = ?`),
    retry: db.prepare(`UPDATE outbox SET state = 'pending', attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?`),
    release: db.prepare(`UPDATE outbox SET state = 'pending' WHERE id = ? AND state = 'sending'`),
    failed: db.prepare(`UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, sent_at = NULL WHERE id = ?`),
    expireDue: select<Raw>(
      db,
      `UPDATE outbox SET state = 'expired', last_error = coalesce(last_error || ' — ', '') || 'expired: not delivered in time'
       WHERE channel = ? AND state = 'pending' AND expires_at <= ? RETURNING *`,
    ),
    nextExpiry: db.prepare<[string], { at: number | null }>(
      `SELECT min(expires_at) AS at FROM outbox WHERE channel = ? AND state = 'pending'`,
    ),
    requeue: db.prepare(`UPDATE outbox SET state = 'pending' WHERE state = 'sending'`),
    requeueOf: db.prepare(`UPDATE outbox SET state = 'pending' WHERE state = 'sending' AND channel IN (SELECT value FROM json_each(?))`),
    // Per channel (indexed): a pager channel holds few rows, so the JSON filter reads little.
    firingSent: db.prepare(
      `SELECT 1 FROM outbox WHERE channel = ? AND created_at >= ? AND json_extract(message, '$.fingerprint') = ? AND json_extract(message, '$.status') = 'firing' LIMIT 1`,
    ),
    pending: select<Raw>(db, `SELECT * FROM outbox WHERE channel = ? AND state = 'pending' ORDER BY id LIMIT ?`),
    backlog: counter(db, `SELECT count(*) AS n FROM outbox WHERE channel = ? AND state IN ('pending', 'sending')`),
    lastSent: db.prepare(`SELECT sent_at FROM outbox WHERE channel = ? AND state = 'sent' ORDER BY id DESC LIMIT 1`).pluck(),
    sentWithPrefix: select<{ channel: string }>(
      db,
      `SELECT DISTINCT channel FROM outbox WHERE state = 'sent' AND substr(idem_key, 1, length(?)) = ?`,
    ),
    fold: db.prepare(`UPDATE outbox SET state = 'digested', digest_id = ? WHERE id = ? AND state = 'pending'`),
    hold: db.prepare(`UPDATE outbox SET state = 'held' WHERE id = ? AND state IN ('pending', 'sending')`),
    // Held rows are few (one interval of follow-ups per open incident): the JSON filter reads little.
    held: select<Raw>(
      db,
      `SELECT * FROM outbox WHERE channel = ? AND state = 'held' AND json_extract(message, '$.thread.key') = ? ORDER BY id`,
    ),
    heldThreads: select<{ thread: string; count: number }>(
      db,
      `SELECT json_extract(message, '$.thread.key') AS thread, count(*) AS count FROM outbox
       WHERE channel = ? AND state = 'held' GROUP BY 1 ORDER BY min(id)`,
    ),
    carry: db.prepare(`UPDATE outbox SET state = 'pending', message = ?, next_attempt_at = 0 WHERE id = ? AND state = 'held'`),
    foldHeld: db.prepare(`UPDATE outbox SET state = 'digested', digest_id = ? WHERE id = ? AND state = 'held'`),
    rewrite: db.prepare(`UPDATE outbox SET message = ? WHERE id = ?`),
    dropped: db.prepare(
      `UPDATE outbox SET state = 'dropped', last_error = ?, sent_at = NULL WHERE id = ? AND state IN ('pending', 'sending')`,
    ),
    resolutionsAfter: select<{ message: JsonText<Message> }>(
      db,
      `SELECT message FROM outbox WHERE channel = ? AND id > ? AND state NOT IN ('failed', 'expired', 'dropped')
       AND json_extract(message, '$.status') = 'resolved' ORDER BY id LIMIT 100`,
    ),
    pagedAbout: select<{ addressee: string }>(
      db,
      `SELECT json_extract(message, '$.to') AS addressee, min(id) AS first FROM outbox
       WHERE channel = @channel AND json_extract(message, @path) = @value AND json_extract(message, '$.status') = 'firing'
         AND state IN ('pending', 'sending', 'sent') AND json_extract(message, '$.to.person') IS NOT NULL
         AND id > coalesce((SELECT max(id) FROM outbox WHERE channel = @channel AND json_extract(message, @path) = @value
                            AND json_extract(message, '$.status') = 'resolved'), 0)
       GROUP BY json_extract(message, '$.to.person'), json_extract(message, '$.to.as') ORDER BY first`,
    ),
    items: select<Raw>(db, `SELECT * FROM outbox WHERE digest_id = ? ORDER BY id`),
    channelAfter: db.prepare<[string], string | null>(STATUS_SQL.channelAfter).pluck(),
    live: select<{ backlog: number; first: number | null }, [string]>(db, STATUS_SQL.live),
    createdAt: db.prepare<[number], number>(`SELECT created_at FROM outbox WHERE id = ?`).pluck(),
    lost: select<{ channel: string; failed: number; expired: number }, [number]>(db, STATUS_SQL.lost),
    retryChannel: db.prepare(`UPDATE outbox SET next_attempt_at = ? WHERE channel = ? AND state = 'pending' AND next_attempt_at > ?`),
    retryPending: db.prepare(`UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND state = 'pending'`),
    revive: db.prepare(
      `UPDATE outbox SET state = 'pending', next_attempt_at = ?, expires_at = ?, attempts = 0 WHERE id = ? AND state IN ('failed', 'expired')`,
    ),
    expire: db.prepare(
      `UPDATE outbox SET state = 'expired', last_error = coalesce(last_error || ' — ', '') || ? WHERE id = ? AND state = 'pending'`,
    ),
    thread: select<RawThread>(db, `SELECT * FROM outbox_thread WHERE channel = ? AND thread = ?`),
    putThread: db.prepare(
      `INSERT OR REPLACE INTO outbox_thread (channel, thread, ref, opened_at, updated_at, closed_at, severity, body, messages, folded)
       VALUES (@channel, @key, @ref, @openedAt, @updatedAt, @closedAt, @severity, @body, @messages, @folded)`,
    ),
    pruneThreads: db.prepare(`DELETE FROM outbox_thread WHERE updated_at < ?`),
    threads: select<RawThread>(db, `SELECT * FROM outbox_thread WHERE channel = ? ORDER BY updated_at DESC`),
  };
  const one = (r: Raw | undefined): OutboxRow | undefined => (r ? toRow(r) : undefined);
  const many = (rs: Raw[]): OutboxRow[] => rs.map(toRow);

  return {
    insert: ({ channel, key, message, now, expiresAt }) =>
      s.insert.run({ channel, key, message: JSON.stringify(message), now, expiresAt }).changes === 1,
    head: (channel) => one(s.head.get(channel)),
    get: (id) => one(s.get.get(id)),
    markSending: (id) => void s.sending.run(id),
    claim(channel, now, limit) {
      const rows: OutboxRow[] = [];
      for (const r of many(s.pending.all(channel, limit))) {
        if (r.nextAttemptAt > now || r.expiresAt <= now) break;
        rows.push({ ...r, state: 'sending' });
      }
      if (rows.length) s.sendingRange.run(channel, rows[0]!.id, rows.at(-1)!.id);
      return rows;
    },
    markSent: (id, now) => {
      s.sent.run(now, id);
      s.sentItems.run(now, id);
    },
    markRetry: (id, attempts, at, error) => void s.retry.run(attempts, at, error, id),
    release: (id) => void s.release.run(id),
    markFailed: (id, error) => void s.failed.run(error, id),
    expireDue: (channel, now) => many(s.expireDue.all(channel, now)),
    nextExpiry: (channel) => s.nextExpiry.get(channel)?.at ?? null,
    requeueSending: (channels) => (channels ? s.requeueOf.run(JSON.stringify(channels)) : s.requeue.run()).changes,
    pending: (channel, limit = -1) => many(s.pending.all(channel, limit)),
    backlog: (channel) => s.backlog(channel),
    sentWithKeyPrefix: (prefix) => s.sentWithPrefix.all(prefix, prefix).map((r) => r.channel),
    lastSentAt: (channel) => (s.lastSent.get(channel) as number | null | undefined) ?? null,
    addDigest(channel, key, message, ids, now, expiresAt) {
      const info = s.insert.run({ channel, key, message: JSON.stringify(message), now, expiresAt });
      if (info.changes === 0) throw new Error(`digest key ${key} already exists on channel ${channel}`);
      const id = Number(info.lastInsertRowid);
      for (const item of ids) s.fold.run(id, item);
      return id;
    },
    rewrite: (id, message) => void s.rewrite.run(JSON.stringify(message), id),
    hold: (id) => void s.hold.run(id),
    held: (channel, thread) => many(s.held.all(channel, thread)),
    heldThreads: (channel) => s.heldThreads.all(channel),
    carry(carrier, message, folded) {
      s.carry.run(JSON.stringify(message), carrier);
      for (const id of folded) s.foldHeld.run(carrier, id);
    },
    foldInto: (into, ids) => ids.forEach((id) => s.foldHeld.run(into, id)),
    markDropped: (id, reason) => void s.dropped.run(reason, id),
    resolutionsAfter: (channel, afterId) => s.resolutionsAfter.all(channel, afterId).map((r) => fromJson(r.message)),
    list({ channel, state, before, limit }) {
      const where: string[] = [];
      const args: unknown[] = [];
      const filter = (sql: string, value: unknown) => {
        if (value === undefined) return;
        where.push(sql);
        args.push(value);
      };
      filter('channel = ?', channel);
      filter('state = ?', state);
      filter('id < ?', before);
      const sql = `SELECT * FROM outbox ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
      return many(select<Raw>(db, sql).all(...args, limit));
    },
    digestItems: (id) => many(s.items.all(id)),
    counts(since) {
      const lost = new Map(s.lost.all(since).map((r) => [r.channel, r]));
      const out: OutboxChannelCounts[] = [];
      for (let channel = s.channelAfter.get('') ?? null; channel !== null; channel = s.channelAfter.get(channel) ?? null) {
        const { backlog, first } = s.live.get(channel) ?? { backlog: 0, first: null };
        const l = lost.get(channel);
        if (!backlog && !l) continue;
        // The first waiting row in queue order is the oldest (ids and created_at grow together).
        const oldestPendingAt = first === null ? null : (s.createdAt.get(first) ?? null);
        out.push({ channel, backlog, oldestPendingAt, failed: l?.failed ?? 0, expired: l?.expired ?? 0 });
      }
      return out;
    },
    retryChannel: (channel, now) => s.retryChannel.run(now, channel, now).changes,
    retryMessage: (id, now, expiresAt) => s.revive.run(now, expiresAt, id).changes + s.retryPending.run(now, id).changes > 0,
    expireMessage: (id, reason) => s.expire.run(reason, id).changes === 1,
    pagedAbout: (channel, about) =>
      s.pagedAbout
        .all(
          'fingerprint' in about
            ? { channel, path: '$.fingerprint', value: about.fingerprint }
            : { channel, path: '$.thread.key', value: about.thread },
        )
        .map((r) => JSON.parse(r.addressee) as Addressee),
    firingSentTo: (fp, since, channels) => channels.filter((c) => s.firingSent.get(c, since, fp) !== undefined),
    thread: (channel, key) => {
      const r = s.thread.get(channel, key);
      return r ? toThread(r) : undefined;
    },
    putThread: ({ lines, buttons, ...t }) => void s.putThread.run({ ...t, body: JSON.stringify({ lines, buttons }) }),
    pruneThreads: (before) => s.pruneThreads.run(before).changes,
    threads: (channel) => s.threads.all(channel).map(toThread),
  };
}
