import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { TOPIC_NAMES } from '../../src-shared/api/topics';
import { fail } from '../../src-shared/result';
import type { Backend, DesktopMode } from '../core/team';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IPC } from './channels';
import { isTrustedFrame, type AppOrigin } from './security';

const origin: AppOrigin = {
  appUrl: pathToFileURL(join(__dirname, '../renderer/index.html')).href,
  devUrl: process.env.ELECTRON_RENDERER_URL,
};

function trustedSender(e: IpcMainInvokeEvent, win: () => WebContents | null): boolean {
  const frame = e.senderFrame;
  if (!frame) return false;
  return isTrustedFrame({ url: frame.url, isTop: frame.parent === null, fromOurWindow: e.sender === win() }, origin);
}

/** Bind the ConsoleApi to ipcMain: sender check, then the backend's validation (zod in the core or on the team server). */
export function bindIpc(backend: Pick<Backend, 'dispatch' | 'subscribe'>, win: () => WebContents | null): () => void {
  ipcMain.handle(IPC.rpc, async (e, method: unknown, input: unknown) => {
    if (!trustedSender(e, win)) return fail('forbidden', 'IPC call from an untrusted frame was refused');
    if (typeof method !== 'string') return fail('bad_request', 'method must be a string');
    return backend.dispatch(method, input);
  });
  const unsubs = TOPIC_NAMES.map((t) =>
    backend.subscribe(t, (payload) => {
      const wc = win();
      if (wc && !wc.isDestroyed()) wc.send(IPC.push, t, payload);
    }),
  );
  return () => {
    ipcMain.removeHandler(IPC.rpc);
    unsubs.forEach((u) => u());
  };
}

/** Settings → Team server (R-TEAM-2): the same sender check, then the core's desktopMode validates and decides. */
export function bindTeamIpc(mode: DesktopMode, win: () => WebContents | null): () => void {
  const refused = fail('forbidden', 'IPC call from an untrusted frame was refused');
  ipcMain.handle(IPC.teamStatus, (e) => (trustedSender(e, win) ? mode.status() : null));
  ipcMain.handle(IPC.teamProbe, (e, url: unknown) => {
    if (!trustedSender(e, win)) return refused;
    if (typeof url !== 'string' || url.length > 2000) return fail('bad_request', 'url must be a string of at most 2000 characters');
    return mode.probe(url);
  });
  ipcMain.handle(IPC.teamConnect, (e, input: unknown) => (trustedSender(e, win) ? mode.connect(input) : refused));
  ipcMain.handle(IPC.teamDisconnect, (e) => (trustedSender(e, win) ? mode.disconnect() : refused));
  const off = mode.onStatus((s) => {
    const wc = win();
    if (wc && !wc.isDestroyed()) wc.send(IPC.teamPush, s);
  });
  return () => {
    for (const c of [IPC.teamStatus, IPC.teamProbe, IPC.teamConnect, IPC.teamDisconnect]) ipcMain.removeHandler(c);
    off();
  };
}
