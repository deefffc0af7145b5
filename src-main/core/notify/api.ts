import type { Handlers } from '../../../src-shared/api';
import type { OutboxItem } from '../../../src-shared/api/outbox';
import type { StatusTile } from '../../../src-shared/api/system';
import { VigilError } from '../errors';
import type { OutboxRow } from '../store';
import type { Outbox } from './outbox';

type OutboxMethods = 'outbox.list' | 'outbox.channels' | 'outbox.retryNow' | 'outbox.expire' | 'outbox.digestPreview';

/** A backlog (or a failing channel) older than this is critical on the status tiles. */
export const STUCK_AFTER_MS = 15 * 60_000;
/** A backlog older than this is worth a warning (a healthy channel drains in seconds). */
export const SLOW_AFTER_MS = 60_000;

const toItem = (r: OutboxRow): OutboxItem => ({
  id: r.id,
  channel: r.channel,
  key: r.key,
  state: r.state,
  kind: r.message.kind,
  title: r.message.title,
  body: r.message.body,
  severity: r.message.severity,
  eventId: r.message.eventId,
  attempts: r.attempts,
  nextAttemptAt: r.state === 'pending' ? r.nextAttemptAt : null,
  lastError: r.lastError,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  sentAt: r.sentAt,
  digestId: r.digestId,
  to: r.message.to ? `${r.message.to.person} (${r.message.to.as})` : null,
});

const find = (outbox: Outbox, id: number): OutboxRow => {
  const row = outbox.store.get(id);
  if (!row) throw new VigilError('not_found', `there is no outbox message ${id}`);
  return row;
};

export function outboxHandlers(outbox: Outbox): Pick<Handlers, OutboxMethods> {
  const knownChannel = (name: string) => {
    if (!outbox.health().some((h) => h.name === name))
      throw new VigilError('not_found', `there is no channel "${name}" (see outbox.channels)`);
  };
  return {
    'outbox.list': ({ channel, state, before, limit }) => {
      const rows = outbox.store.list({ channel, state, before, limit });
      return { items: rows.map(toItem), nextBefore: rows.length === limit ? (rows.at(-1)?.id ?? null) : null };
    },
    'outbox.channels': () => ({ channels: outbox.health() }),
    'outbox.retryNow': ({ channel, id }) => {
      if (channel !== undefined) {
        knownChannel(channel);
        return { retried: outbox.retryChannel(channel) };
      }
      const row = find(outbox, id as number);
      if (row.state === 'sent' || row.state === 'digested')
        throw new VigilError('conflict', `message ${row.id} was already delivered (${row.state}); it is not sent twice`);
      if (row.state === 'sending') throw new VigilError('conflict', `message ${row.id} is being sent right now`);
      return { retried: outbox.retryMessage(row.id) ? 1 : 0 };
    },
    'outbox.expire': ({ id }) => {
      const row = find(outbox, id);
      if (row.state === 'sending') throw new VigilError('conflict', `message ${id} is being sent right now; expire it after this attempt`);
      if (row.state !== 'pending') throw new VigilError('conflict', `message ${id} is ${row.state}; only a pending message can be expired`);
      outbox.expireMessage(id);
      return { id, state: find(outbox, id).state };
    },
    'outbox.digestPreview': ({ channel }) => {
      knownChannel(channel);
      const p = outbox.digestPreview(channel);
      return { ...p, message: p.message && { title: p.message.title, body: p.message.body, severity: p.message.severity } };
    },
  };
}

const ago = (ms: number): string =>
  ms >= 3_600_000 ? `${Math.round(ms / 3_600_000)} h` : ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;

/** Status tiles: the outbox backlog and the channels' health. */
export function outboxTiles(outbox: Outbox, now: number, unsetSecrets: ReadonlyMap<string, string[]> = new Map()): StatusTile[] {
  const health = outbox.health();
  const active = health.filter((h) => h.state !== 'paused');
  const backlog = health.reduce((n, h) => n + h.backlog, 0);
  const oldest = Math.min(...active.map((h) => h.oldestPendingAt ?? Infinity));
  const age = Number.isFinite(oldest) ? now - oldest : 0;
  const lost = health.reduce((n, h) => n + h.failed + h.expired, 0);
  const outboxTile: StatusTile = {
    id: 'outbox',
    label: 'Outbox',
    status: age >= STUCK_AFTER_MS ? 'critical' : age >= SLOW_AFTER_MS || lost > 0 ? 'warning' : 'ok',
    value: `${backlog} waiting`,
    reason: [
      backlog ? `${backlog} message(s) waiting${age ? `, oldest ${ago(age)}` : ''}` : 'nothing waiting',
      lost ? `${lost} message(s) failed or expired in the last 24 h (see Queues)` : '',
    ]
      .filter(Boolean)
      .join('; '),
  };
  const failing = health.filter((h) => h.state === 'failing' || (h.state === 'unconfigured' && h.backlog > 0));
  const worstSince = Math.min(...failing.map((h) => h.failingSince ?? now));
  // A channel whose secret is unset cannot deliver; one that has sent nothing since start is not known to be reachable.
  const blocked = health.filter((h) => !failing.includes(h) && unsetSecrets.has(h.name));
  const untested = health.filter((h) => !failing.includes(h) && !blocked.includes(h) && h.state === 'ok' && h.lastSuccessAt === null);
  const reasons = [
    ...failing.map(
      (h) => `${h.name}: ${h.failingSince ? `failing for ${ago(now - h.failingSince)}` : h.state} — ${h.lastError ?? 'no detail'}`,
    ),
    ...blocked.map((h) => `${h.name}: secret ${unsetSecrets.get(h.name)!.join(', ')} not set, messages are held`),
    ...untested.map((h) => `${h.name}: nothing delivered since start, reachability unknown`),
  ];
  const paused = health.some((h) => h.state === 'paused') ? ' (desktop notifications paused)' : '';
  const channelsTile: StatusTile = {
    id: 'channels',
    label: 'Channels',
    status: failing.length ? (now - worstSince >= STUCK_AFTER_MS ? 'critical' : 'warning') : blocked.length ? 'warning' : 'ok',
    value: `${health.length - failing.length - blocked.length}/${health.length} ok`,
    // Said as what it is: each channel delivered at least one message since start (not that every message was delivered).
    reason: reasons.length
      ? reasons.join('; ') + paused
      : `each channel delivered a message since start (last: ${health.map((h) => `${h.name} ${ago(now - h.lastSuccessAt!)} ago`).join(', ')})${paused}`,
  };
  return [outboxTile, channelsTile];
}
