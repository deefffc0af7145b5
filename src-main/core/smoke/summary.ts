import { SMOKE_CHECK_LABELS, type SmokeSummary } from '../../../src-shared/api/smoke';
import type { SmokeStatus } from '../../../src-shared/constants';
import type { Message } from '../notify';
import type { SmokeHistoryStore } from '../store';

/** The daily summary, computed from stored history alone (R-SMOKE-4): counts, worst checks, longest critical streak. */
export function computeSummary(store: SmokeHistoryStore, since: number, until: number): SmokeSummary {
  const perCheck = store.countsByCheck(since, until);
  const counts = { ok: 0, warning: 0, critical: 0 };
  let runs = 0;
  for (const c of perCheck) {
    counts.ok += c.ok;
    counts.warning += c.warning;
    counts.critical += c.critical;
    runs = Math.max(runs, c.ok + c.warning + c.critical);
  }
  const worstChecks = perCheck
    .filter((c) => c.warning + c.critical > 0)
    .sort((a, b) => b.critical - a.critical || b.warning - a.warning || a.check.localeCompare(b.check));

  let longest: SmokeSummary['longestCriticalStreak'] = null;
  let cur: { check: SmokeSummary['worstChecks'][number]['check']; count: number; from: number; to: number } | null = null;
  const close = () => {
    if (cur && (!longest || cur.count > longest.count)) longest = { ...cur };
    cur = null;
  };
  if (counts.critical > 0) {
    for (const r of store.iterateByCheck(since, until)) {
      if (cur && cur.check !== r.check) close();
      if (r.status === 'critical') {
        if (cur) {
          cur.count++;
          cur.to = r.at;
        } else cur = { check: r.check, count: 1, from: r.at, to: r.at };
      } else close();
    }
    close();
  }
  return { since, until, runs, counts, worstChecks, longestCriticalStreak: longest };
}

const fmt = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(ms);

/** The summary as a channel message (kind 'summary'). */
export function summaryMessage(s: SmokeSummary, timeZone: string): Message {
  const worst: SmokeStatus = s.counts.critical ? 'critical' : s.counts.warning ? 'warning' : 'ok';
  const lines = [
    `${fmt(s.since, timeZone)} → ${fmt(s.until, timeZone)} (${timeZone})`,
    s.runs === 0
      ? 'No smoke results recorded in this period.'
      : `${s.runs} runs · OK ${s.counts.ok} · Warning ${s.counts.warning} · Critical ${s.counts.critical}`,
  ];
  if (s.worstChecks.length) {
    lines.push('Worst checks:');
    for (const c of s.worstChecks.slice(0, 3)) lines.push(`  ${SMOKE_CHECK_LABELS[c.check]}: ${c.critical} critical, ${c.warning} warning`);
  } else if (s.runs > 0) lines.push('Every check was OK.');
  const st = s.longestCriticalStreak;
  if (st)
    lines.push(
      `Longest critical streak: ${SMOKE_CHECK_LABELS[st.check]}, ${st.count} run(s) from ${fmt(st.from, timeZone)} to ${fmt(st.to, timeZone)}`,
    );
  return {
    kind: 'summary',
    title: `Vigil daily smoke summary: ${worst === 'ok' ? 'all OK' : worst === 'warning' ? 'warnings' : 'critical results'}`,
    body: lines.join('\n'),
    severity: worst === 'ok' ? 'info' : worst,
    eventId: null,
    fingerprint: null,
    status: 'firing',
    labels: { source: 'vigil', kind: 'smoke-summary' },
  };
}
