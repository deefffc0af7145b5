import type { Severity } from '../../../src-shared/constants';
import type { OutboxRow } from '../store';
import type { Message } from './types';

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** How many held titles a digest lists before "…and N more". */
export const DIGEST_TITLES = 10;

/** The key of an outbox-made digest: stable for the set it carries, so a resend is the same message. */
export const digestKey = (rows: readonly OutboxRow[]): string => `outbox-digest:${rows[0]?.id}-${rows.at(-1)?.id}`;
export const isDigestKey = (key: string): boolean => key.startsWith('outbox-digest:');

/** One message standing for a backlog held during an outage (R-NOTIFY-2: a digest rather than a flood). */
export function buildDigest(channel: string, rows: readonly OutboxRow[], heldBy: 'outage' | 'pause' = 'outage'): Message {
  const shown = rows.slice(0, DIGEST_TITLES);
  const more = rows.length - shown.length;
  const lines = shown.map((r) => `• [${r.message.severity}] ${r.message.title}`);
  if (more > 0) lines.push(`…and ${more} more (open Vigil for the full list)`);
  const since = new Date(rows[0]?.createdAt ?? 0).toISOString();
  return {
    kind: 'digest',
    title: heldBy === 'pause' ? `${rows.length} notifications held while notifications were paused` : `${rows.length} notifications held while ${channel} was unreachable`,
    body: `Held since ${since}:\n${lines.join('\n')}`,
    severity: rows.reduce<Severity>((w, r) => (RANK[r.message.severity] > RANK[w] ? r.message.severity : w), 'info'),
    eventId: null,
    fingerprint: null,
    status: 'firing',
    labels: { vigil_digest: String(rows.length) },
  };
}
