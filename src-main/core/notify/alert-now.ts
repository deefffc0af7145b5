import type { Ack, AlertState } from '../store';
import type { AlertNow } from './reconcile';

/** What an alert is now (firing/resolved, acknowledged in its current firing): a queued message is sent as that (R-NOTIFY-2). */
export function alertNowOf(
  states: { get(fp: string): AlertState | null },
  acks: { get(fp: string): Ack | null },
): (fp: string) => AlertNow | null {
  return (fp) => {
    const s = states.get(fp);
    if (!s) return null;
    const a = acks.get(fp);
    const ack = a?.state === 'active' && a.episode === s.firstSeen ? { by: a.by, at: a.at } : null;
    return { status: s.status, changedAt: s.lastSeen, ack };
  };
}
