import type { Severity } from '../../../src-shared/constants';
import type { OutboxRow } from '../store';
import type { Message } from './types';
import { utcText } from '../duration';

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** Without a channel's own limit, a digest body stays under this many characters. */
export const DIGEST_BODY_CHARS = 3_000;

/** The key of an outbox-made digest: stable for the rows it carries, so a resend is the same message. */
export const digestKey = (rows: readonly OutboxRow[]): string => `outbox-digest:${rows[0]?.id}-${rows.at(-1)?.id}`;
export const isDigestKey = (key: string): boolean => key.startsWith('outbox-digest:');

/** A message with buttons (approve, acknowledge) is never folded: the buttons are how a person answers it. */
export const foldable = (row: OutboxRow): boolean => !row.message.buttons?.length && !isDigestKey(row.key);

const line = (r: OutboxRow): string => `• [${r.message.severity}] ${r.message.title}`;

function digestMessage(channel: string, rows: readonly OutboxRow[], heldBy: 'outage' | 'pause', part: string, total: number): Message {
  const since = utcText(rows[0]?.createdAt ?? 0);
  const what = heldBy === 'pause' ? 'while notifications were paused' : `while ${channel} was unreachable`;
  return {
    kind: 'digest',
    title: `${total} notifications held ${what}${part}`,
    body: `Held since ${since}:\n${rows.map(line).join('\n')}`,
    severity: rows.reduce<Severity>((w, r) => (RANK[r.message.severity] > RANK[w] ? r.message.severity : w), 'info'),
    eventId: null,
    fingerprint: null,
    status: 'firing',
    labels: { vigil_digest: String(rows.length) },
  };
}

/**
 * The digests standing for a backlog held during an outage or pause (R-NOTIFY-2):
 * every row is listed, none is summarised as "…and N more"; when the list does
 * not fit one message of the channel (`fits`), it is split into parts, in order.
 */
export function buildDigests(
  channel: string,
  rows: readonly OutboxRow[],
  heldBy: 'outage' | 'pause' = 'outage',
  fits: (m: Message) => boolean = (m) => m.body.length <= DIGEST_BODY_CHARS,
): Array<{ rows: OutboxRow[]; key: string; message: Message }> {
  // Greedy packing on a provisional title; the part numbers are added once the count is known.
  const parts: OutboxRow[][] = [];
  let current: OutboxRow[] = [];
  for (const r of rows) {
    const next = [...current, r];
    if (current.length > 0 && !fits(digestMessage(channel, next, heldBy, ` (part ${rows.length} of ${rows.length})`, rows.length))) {
      parts.push(current);
      current = [r];
    } else current = next;
  }
  if (current.length) parts.push(current);
  return parts.map((p, i) => ({
    rows: p,
    key: digestKey(p),
    message: digestMessage(channel, p, heldBy, parts.length > 1 ? ` (part ${i + 1} of ${parts.length})` : '', rows.length),
  }));
}
