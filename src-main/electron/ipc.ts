import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { TOPIC_NAMES } from '../../src-shared/api/topics';
import { fail } from '../../src-shared/result';
import type { Core } from '../core/app';
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

/** Bind the ConsoleApi to ipcMain: sender check, then the core's zod validation. */
export function bindIpc(core: Core, win: () => WebContents | null): () => void {
  ipcMain.handle(IPC.rpc, async (e, method: unknown, input: unknown) => {
    if (!trustedSender(e, win)) return fail('forbidden', 'IPC call from an untrusted frame was refused');
    if (typeof method !== 'string') return fail('bad_request', 'method must be a string');
    return core.dispatch(method, input);
  });
  const unsubs = TOPIC_NAMES.map((t) =>
    core.ctx.bus.subscribe(t, (payload) => {
      const wc = win();
      if (wc && !wc.isDestroyed()) wc.send(IPC.push, t, payload);
    }),
  );
  return () => {
    ipcMain.removeHandler(IPC.rpc);
    unsubs.forEach((u) => u());
  };
}
