import { app, Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import { join } from 'node:path';
import type { SmokeStatus } from '../../src-shared/constants';
import type { StatusSnapshot } from '../../src-shared/api/system';
import type { OpenRequest, TeamStatus } from '../../src-shared/desktop';
import { EMPTY_COUNTS, menuLabel, teamProblem, trayTooltip, type TrayCounts } from './tray-state';

export interface TrayActions {
  /** Show the window, on a page and item when given. */
  open(to?: OpenRequest): void;
  pause(minutes: number): void;
  /** Acknowledge a firing alert (R-ROUTE-8). */
  ack(fingerprint: string): void;
  quit(): void;
}

const APPROVALS_LISTED = 8;

/** The tray icon's colour follows the worst current status; its menu is the small set of 3 a.m. actions. */
export function createTray(resourcesDir: string, actions: TrayActions) {
  const icon = (s: SmokeStatus) => nativeImage.createFromPath(join(resourcesDir, 'icons', `tray-${s}.png`));
  const tray = new Tray(icon('ok'));
  // Connected mode (R-TEAM-2): while the team server is out of reach the tray shows that, not stale counts.
  let team: TeamStatus | null = null;
  let last: { snap: StatusSnapshot | null; c: TrayCounts } = { snap: null, c: EMPTY_COUNTS };
  const render = (fresh: StatusSnapshot | null, counts: TrayCounts = EMPTY_COUNTS) => {
    last = { snap: fresh, c: counts };
    const problem = teamProblem(team);
    const snap = problem ? null : fresh;
    const c = problem ? EMPTY_COUNTS : counts;
    tray.setImage(icon(problem ? 'warning' : (snap?.worst ?? 'ok')));
    tray.setToolTip(trayTooltip(snap, c, team));
    const bad = snap?.tiles.filter((t) => t.status !== 'ok') ?? [];
    const paused = snap?.notificationsPausedUntil;
    const approvals: MenuItemConstructorOptions[] = c.approvals.length
      ? [
          { type: 'separator' },
          { label: `Approvals pending (${c.approvals.length})`, enabled: false },
          ...c.approvals
            .slice(0, APPROVALS_LISTED)
            .map((a) => ({ label: menuLabel(a.label), click: () => actions.open({ page: 'approvals', id: a.id }) })),
          ...(c.approvals.length > APPROVALS_LISTED
            ? [{ label: `${c.approvals.length - APPROVALS_LISTED} more…`, click: () => actions.open({ page: 'approvals', id: null }) }]
            : []),
        ]
      : [];
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open Vigil', click: () => actions.open() },
        ...(problem ? [{ label: menuLabel(problem), click: () => actions.open({ page: 'settings', id: null }) }] : []),
        ...(c.firing
          ? [{ label: `${c.firing}${c.firingCapped ? '+' : ''} alerts firing`, click: () => actions.open({ page: 'events', id: null }) }]
          : []),
        ...bad.slice(0, 5).map((t) => ({
          label: menuLabel(`${t.status === 'critical' ? '●' : '○'} ${t.label}: ${t.value}`),
          click: () => actions.open({ page: 'overview', id: null }),
        })),
        ...approvals,
        ...(c.unacked.length ? [{ type: 'separator' as const }] : []),
        ...c.unacked.map((a) => ({ label: menuLabel(`Acknowledge: ${a.summary}`), click: () => actions.ack(a.fingerprint) })),
        { type: 'separator' },
        paused
          ? { label: `Resume notifications (paused until ${new Date(paused).toLocaleTimeString()})`, click: () => actions.pause(0) }
          : { label: 'Pause notifications for 1 hour', click: () => actions.pause(60) },
        { type: 'separator' },
        { label: 'Quit', click: actions.quit },
      ]),
    );
  };
  tray.on('click', () => actions.open());
  render(null);
  app.on('before-quit', () => tray.destroy());
  return {
    render,
    setTeam(s: TeamStatus) {
      team = s;
      render(last.snap, last.c);
    },
  };
}
