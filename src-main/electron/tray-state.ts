import type { ConsoleClient, Input, MethodName, Output } from '../../src-shared/api';
import type { OpenAlert } from '../../src-shared/api/acks';
import type { StatusSnapshot } from '../../src-shared/api/system';
import type { TeamStatus } from '../../src-shared/desktop';

/** One pending decision in the tray menu: a heal approval or a plan's HITL prompt. */
export interface TrayApproval {
  id: string;
  label: string;
  expiresAt: number;
}

/** What the tray shows besides the colour; derived from core calls on each status push, never kept. */
export interface TrayCounts {
  firing: number;
  /** alerts.open is capped: true when there may be more than `firing`. */
  firingCapped: boolean;
  /** The first few firing alerts nobody has acknowledged (the "Acknowledge: …" items). */
  unacked: OpenAlert[];
  /** All pending approvals, soonest to expire first. */
  approvals: TrayApproval[];
}

export const EMPTY_COUNTS: TrayCounts = { firing: 0, firingCapped: false, unacked: [], approvals: [] };
const FIRING_CAP = 200;

/** The same ConsoleApi calls the console makes; a failing call shows as nothing rather than breaking the tray. */
export async function trayCounts(core: Pick<ConsoleClient, 'call'>, unackedShown = 3): Promise<TrayCounts> {
  const value = async <M extends MethodName>(method: M, input: Input<M>, empty: Output<M>): Promise<Output<M>> => {
    const r = await core.call(method, input);
    return r.ok ? r.value : empty;
  };
  const [alerts, heal, plans] = await Promise.all([
    value('alerts.open', { limit: FIRING_CAP }, []),
    value('approvals.list', {}, { approvals: [] }),
    value('plans.approvals', { pendingOnly: true, limit: 100 }, { items: [] }),
  ]);
  const approvals: TrayApproval[] = [
    ...heal.approvals
      .filter((a) => a.status === 'pending')
      .map((a) => ({ id: a.id, label: `${a.action.replace(/_/g, ' ')} ${a.target} on ${a.host}`, expiresAt: a.expiresAt })),
    ...plans.items
      .filter((a) => a.status === 'pending')
      .map((a) => ({ id: a.id, label: `${a.planTitle}: ${a.question}`, expiresAt: a.expiresAt })),
  ].sort((a, b) => a.expiresAt - b.expiresAt);
  return {
    firing: alerts.length,
    firingCapped: alerts.length >= FIRING_CAP,
    unacked: alerts.filter((a) => !a.acknowledged).slice(0, unackedShown),
    approvals,
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Connected mode without a working connection (R-TEAM-2): the last counts are
 * not the truth any more, so the tray says what it knows instead.
 */
export function teamProblem(team: TeamStatus | null): string | null {
  if (!team || team.mode === 'local' || team.state === 'connected') return null;
  const host = team.url ? new URL(team.url).host : 'the team server';
  if (team.state === 'connecting') return `connecting to ${host}`;
  return team.state === 'refused' ? `refused by ${host} — see Settings → Team server` : `disconnected from ${host} — retrying`;
}

/** "Vigil — CRITICAL · 3 firing · 1 approval pending"; the worst status first, counts only when non-zero. */
export function trayTooltip(snap: StatusSnapshot | null, c: TrayCounts, team: TeamStatus | null = null): string {
  const problem = teamProblem(team);
  if (problem) return `Vigil — ${problem}`.slice(0, 127);
  const parts = [`Vigil — ${(snap?.worst ?? 'ok').toUpperCase()}`];
  if (c.firing > 0) parts.push(`${c.firing}${c.firingCapped ? '+' : ''} firing`);
  if (c.approvals.length > 0) parts.push(`${plural(c.approvals.length, 'approval', 'approvals')} pending`);
  const bad = snap?.tiles.filter((t) => t.status !== 'ok').length ?? 0;
  if (bad > 0) parts.push(`${bad} need attention`);
  // Windows truncates tray tooltips at 127 characters.
  return parts.join(' · ').slice(0, 127);
}

/** A menu label of bounded length (menus grow sideways with long summaries). */
export const menuLabel = (text: string, max = 70): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
