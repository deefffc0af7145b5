import type { OutcomeRow } from '../store';

export interface RecallLine {
  action: string;
  target: string;
  host: string;
  fixed: number;
  tried: number;
  lastAt: number;
  /** "restart_service nginx on web1 fixed this 3 of 4 times; last 12 days ago" */
  text: string;
}

const ago = (ms: number): string => {
  const m = Math.round(ms / 60_000);
  if (m < 60) return m <= 1 ? 'just now' : `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
};

const VERB: Record<string, string> = { restart_service: 'restart', restart_container: 'restart container' };

/** What fixed this alert before, by action+target+host, most successful first (R-LOOP-2). */
export function recallLines(rows: OutcomeRow[], now: number): RecallLine[] {
  const by = new Map<string, RecallLine>();
  for (const r of rows) {
    const k = `${r.action}|${r.target}|${r.host}`;
    const l = by.get(k) ?? { action: r.action, target: r.target, host: r.host, fixed: 0, tried: 0, lastAt: 0, text: '' };
    l.tried++;
    if (r.fixed) l.fixed++;
    l.lastAt = Math.max(l.lastAt, r.at);
    by.set(k, l);
  }
  return [...by.values()]
    .map((l) => ({
      ...l,
      text: `${VERB[l.action] ?? l.action} ${l.target} on ${l.host} fixed this ${l.fixed} of ${l.tried} time${l.tried === 1 ? '' : 's'}; last ${ago(now - l.lastAt)}`,
    }))
    .sort((a, b) => b.fixed / b.tried - a.fixed / a.tried || b.tried - a.tried);
}
