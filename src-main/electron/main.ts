import { app, BrowserWindow, Notification, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCore, type Core } from '../core/app';
import { loadConfig } from '../core/config';
import { startMetricsServer } from '../core/metrics';
import { IPC } from './channels';
import { bindIpc } from './ipc';
import { safeStorageSecrets } from './secrets';
import { CSP, isExternalLink, webPreferences } from './security';
import { createTray } from './tray';
import { ackFromNotification, ackFromTray } from './acks';
import { trayCounts } from './tray-state';
import type { OpenRequest } from '../../src-shared/desktop';
import { Topic } from '../../src-shared/api/topics';

// The Electron shell is thin: lifecycle, window, tray, notifications. All behaviour is in core/.

let win: BrowserWindow | null = null;
let core: Core | null = null;

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

async function boot(): Promise<void> {
  const userData = app.getPath('userData');
  const configFile = join(userData, 'vigil.yaml');
  const { config, source } = loadConfig(existsSync(configFile) ? configFile : undefined);
  core = createCore({ config, dataDir: userData, secrets: safeStorageSecrets(userData), configSource: source });

  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
  );

  bindIpc(core, () => win?.webContents ?? null);
  await core.start();
  // Opt-in Prometheus endpoint on loopback (metrics.port); if it cannot open, the app still runs.
  if (config.metrics.port !== undefined) {
    startMetricsServer(core.ctx, config.metrics.port).then(
      (metricsServer) => app.on('will-quit', () => void metricsServer.close()),
      (err: Error) => core?.ctx.log.error({ err }, 'metrics port not opened'),
    );
  }
  win = createWindow();

  const resourcesDir = app.isPackaged ? join(process.resourcesPath, 'resources') : join(__dirname, '../../resources');
  const tray = createTray(resourcesDir, {
    open: (to) => showWindow(to),
    pause: (minutes) => void core?.call('notifications.pause', { minutes }),
    ack: (fingerprint) => void (core && ackFromTray(core, fingerprint)),
    quit: () => app.quit(),
  });
  // Counts come from the same core calls as the console, on each status push (every 5 s and on changes).
  core.ctx.bus.subscribe(Topic.status, (s) => void (core && trayCounts(core).then((c) => tray.render(s, c))));
  tray.render(core.status());
  core.ctx.bus.subscribe(Topic.notice, (n) => {
    if (!Notification.isSupported()) return;
    const note = new Notification({
      title: n.title,
      body: n.body,
      urgency: n.severity === 'critical' ? 'critical' : 'normal',
      actions: n.eventId ? [{ type: 'button', text: 'Acknowledge' }] : [],
    });
    note.on('click', () => showWindow(n.eventId ? { page: 'events', id: n.eventId } : undefined));
    note.on('action', () => void (core && n.eventId && ackFromNotification(core, n.eventId)));
    note.show();
  });
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
  app.on('before-quit', () => void core?.stop());
}
