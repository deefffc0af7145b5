import { app, BrowserWindow, Notification, powerMonitor, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCore } from '../core/app';
import { loadConfig } from '../core/config';
import { startMetricsServer } from '../core/metrics';
import { IPC } from './channels';
import { bindIpc, bindTeamIpc } from './ipc';
import { desktopMode, teamSettings, type DesktopMode } from '../core/team';
import { safeStorageSecrets } from './secrets';
import { CSP, isExternalLink, webPreferences } from './security';
import { createTray } from './tray';
import { ackFromNotification, ackFromTray } from './acks';
import { trayCounts } from './tray-state';
import type { OpenRequest } from '../../src-shared/desktop';
import type { ConsoleClient } from '../../src-shared/api';
import { Topic } from '../../src-shared/api/topics';

// The Electron shell is thin: lifecycle, window, tray, notifications. All behaviour is in core/.

let win: BrowserWindow | null = null;
let mode: DesktopMode | null = null;

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1280,
    height: 820,
    show: false,
    title: 'Vigil',
    webPreferences: webPreferences(join(__dirname, '../preload/index.cjs')),
  });
  w.once('ready-to-show', () => w.show());
  // No navigation away from the app and no new windows; http(s) links open in the browser.
  w.webContents.on('will-navigate', (e) => e.preventDefault());
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env.ELECTRON_RENDERER_URL) void w.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void w.loadFile(join(__dirname, '../renderer/index.html'));
  w.on('closed', () => (win = null));
  return w;
}

function showWindow(to?: OpenRequest): void {
  const fresh = !win;
  if (!win) win = createWindow();
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
  if (!to) return;
  const w = win;
  // A window created just now has no renderer listening yet: send once it has loaded.
  if (fresh || w.webContents.isLoading()) w.webContents.once('did-finish-load', () => w.webContents.send(IPC.open, to));
  else w.webContents.send(IPC.open, to);
}

function secureSession(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
  );
}

/** Tray and native notifications over whichever answers the ConsoleApi: the local core or the team server. */
function attachDesktop(api: Pick<ConsoleClient, 'call' | 'subscribe'>, m: DesktopMode): void {
  const resourcesDir = app.isPackaged ? join(process.resourcesPath, 'resources') : join(__dirname, '../../resources');
  const tray = createTray(resourcesDir, {
    open: (to) => showWindow(to),
    pause: (minutes) => void api.call('notifications.pause', { minutes }),
    ack: (fingerprint) => void ackFromTray(api, fingerprint),
    quit: () => app.quit(),
  });
  // Counts come from the same calls as the console, on each status push (every 5 s and on changes).
  api.subscribe(Topic.status, (s) => void trayCounts(api).then((c) => tray.render(s, c)));
  tray.setTeam(m.status());
  m.onStatus((s) => tray.setTeam(s));
  // An incident's follow-up replaces its notification (same tag) silently instead of stacking another (R-NOTIFY-8).
  const shown = new Map<string, Notification>();
  api.subscribe(Topic.notice, (n) => {
    if (!Notification.isSupported()) return;
    const note = new Notification({
      title: n.title,
      body: n.body,
      silent: n.update === true,
      urgency: n.severity === 'critical' ? 'critical' : 'normal',
      actions: n.eventId ? [{ type: 'button', text: 'Acknowledge' }] : [],
    });
    if (n.tag !== undefined) {
      shown.get(n.tag)?.close();
      shown.set(n.tag, note);
      note.on('close', () => shown.get(n.tag!) === note && shown.delete(n.tag!));
    }
    note.on('click', () => showWindow(n.eventId ? { page: 'events', id: n.eventId } : undefined));
    note.on('action', () => void (n.eventId && ackFromNotification(api, n.eventId)));
    // Connected to a team server: it counts the desktop message delivered only once a console showed it.
    note.on('show', () => void api.call('notices.shown', { id: n.id }));
    note.show();
  });
}

/** The local core with its router (local mode); stopped when the desktop connects to a team server. */
async function startLocal(userData: string, secrets: ReturnType<typeof safeStorageSecrets>) {
  const configFile = join(userData, 'vigil.yaml');
  const { config, source } = loadConfig(existsSync(configFile) ? configFile : undefined);
  // Intake is decided on the decider worker thread, as in `vigil serve` (R-SCALE-7): a storm's deciding never holds the
  // thread that runs the tray, notifications and IPC. Its script sits beside this one (out/main/decider-worker.js);
  // Electron (>= 18) loads worker scripts and native modules from the asar like the retention and reads threads.
  const core = createCore({ config, dataDir: userData, secrets, configSource: source, decider: 'worker' });
  await core.start();
  // Opt-in Prometheus endpoint on loopback (metrics.port); if it cannot open, the app still runs.
  const metrics =
    config.metrics.port === undefined
      ? null
      : startMetricsServer(core.ctx, config.metrics.port).catch(
          (err: Error) => void core.ctx.log.error({ err }, 'metrics port not opened'),
        );
  // Sleep and wake (issue 18.6): a thin binding to the core's calls, which do the work (tested under Node).
  const onSuspend = () => void core.suspend();
  const onResume = () => void core.resume();
  powerMonitor.on('suspend', onSuspend);
  powerMonitor.on('resume', onResume);
  return {
    core,
    onClose: async () => {
      powerMonitor.off('suspend', onSuspend);
      powerMonitor.off('resume', onResume);
      await (await metrics)?.close();
    },
  };
}

async function boot(): Promise<void> {
  const userData = app.getPath('userData');
  const secrets = safeStorageSecrets(userData);
  secureSession();
  // Local or connected mode (R-TEAM-2), chosen and switched in Settings → Team server; the logic is core's desktopMode.
  const m = desktopMode({ settings: teamSettings(userData, secrets), startLocal: () => startLocal(userData, secrets) });
  mode = m;
  const webContents = () => win?.webContents ?? null;
  bindIpc(m.api, webContents);
  bindTeamIpc(m, webContents);
  let current = (await m.start()).mode;
  // A switch changes what every page shows: reload the window so nothing from the other mode lingers.
  m.onStatus((s) => {
    if (s.mode === current) return;
    current = s.mode;
    win?.webContents.reload();
  });
  win = createWindow();
  attachDesktop(m.api, m);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('web-contents-created', (_e, wc) => wc.on('will-attach-webview', (ev) => ev.preventDefault()));
  app.whenReady().then(boot, (err: Error) => {
    console.error('Vigil failed to start:', err.message);
    app.exit(1);
  });
  // Closing the window keeps Vigil watching from the tray.
  app.on('window-all-closed', () => {});
  app.on('before-quit', () => void mode?.stop());
}
