import { useEffect, useState } from 'react';
import type { TeamStatus } from '../../src-shared/desktop';

/** The desktop's local/connected mode (R-TEAM-2), pushed by main; null in a browser, which is always its server's console. */
export function useTeamStatus(): TeamStatus | null {
  const [status, setStatus] = useState<TeamStatus | null>(null);
  useEffect(() => {
    const team = window.vigil?.team;
    if (!team) return;
    let live = true;
    const off = team.onStatus((s) => setStatus(s));
    void team.status().then((s) => live && setStatus((cur) => cur ?? s));
    return () => {
      live = false;
      off();
    };
  }, []);
  return status;
}

/** One line for the sidebar: what the team connection is right now, from the last real call. */
export function teamLine(s: TeamStatus): { text: string; ok: boolean; title?: string } {
  if (s.mode === 'local') return { text: 'local mode', ok: true };
  const host = s.url ? new URL(s.url).host : 'team server';
  switch (s.state) {
    case 'connected':
      return { text: `connected to ${host} as ${s.person?.name ?? '?'} (${s.person?.role ?? '?'})`, ok: true };
    case 'connecting':
      return { text: `connecting to ${host}…`, ok: false };
    case 'disconnected':
      return { text: 'disconnected — retrying', ok: false, title: s.reason ?? undefined };
    case 'refused':
      return { text: `refused by ${host}`, ok: false, title: s.reason ?? undefined };
  }
}
