import { app, Menu, nativeImage, Tray } from 'electron';
import { join } from 'node:path';
import type { SmokeStatus } from '../../src-shared/constants';
import type { StatusSnapshot } from '../../src-shared/api/system';
import type { OpenAlert } from '../../src-shared/api/acks';

export interface TrayActions {
  open(): void;
  pause(minutes: number): void;
  /** Acknowledge a firing alert (R-ROUTE-8). */
  ack(fingerprint: string): void;
  quit(): void;
}

/** The tray icon's colour follows the worst current status; its menu is the small set of 3 a.m. actions. */
export function createTray(resourcesDir: string, actions: TrayActions) {
  const icon = (s: SmokeStatus) => nativeImage.createFromPath(join(resourcesDir, 'icons', `tray-${s}.png`));
  const tray = new Tray(icon('ok'));
  const render = (snap: StatusSnapshot | null, unacked: OpenAlert[] = []) => {
    const worst = snap?.worst ?? 'ok';
    tray.setImage(icon(worst));
    const bad = snap?.tiles.filter((t) => t.status !== 'ok') ?? [];
    tray.setToolTip(`Vigil — ${worst.toUpperCase()}${bad.length ? ` (${bad.length} need attention)` : ''}`);
    const paused = snap?.notificationsPausedUntil;
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open Vigil', click: actions.open },
        ...bad.slice(0, 5).map((t) => ({ label: `${t.status === 'critical' ? '●' : '○'} ${t.label}: ${t.value}`, click: actions.open })),
        ...(unacked.length ? [{ type: 'separator' as const }] : []),
        ...unacked.map((a) => ({ label: `Acknowledge: ${a.summary.slice(0, 60)}`, click: () => actions.ack(a.fingerprint) })),
        { type: 'separator' },
        paused
          ? { label: `Resume notifications (paused until ${new Date(paused).toLocaleTimeString()})`, click: () => actions.pause(0) }
          : { label: 'Pause notifications for 1 hour', click: () => actions.pause(60) },
        { type: 'separator' },
        { label: 'Quit', click: actions.quit },
      ]),
    );
  };
  tray.on('click', actions.open);
  render(null);
  app.on('before-quit', () => tray.destroy());
  return { render };
}
