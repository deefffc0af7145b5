import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { TOPIC_NAMES } from '../../src-shared/api/topics';
import { fail } from '../../src-shared/result';
import type { Core } from '../core/app';
import { IPC } from './channels';

/** Only our own top frame, loaded from our own files, may call the core. */
function trustedSender(e: IpcMainInvokeEvent, win: () => WebContents | null): boolean {
  const frame = e.senderFrame;
  if (!frame || frame.parent !== null) return false;
  if (e.sender !== win()) return false;
  return frame.url.startsWith('file://') || (process.env.ELECTRON_RENDERER_URL !== undefined && frame.url.startsWith(process.env.ELECTRON_RENDERER_URL));
}

/** Bind the ConsoleApi to ipcMain: sender check, then the core's zod validation. */
export function bindIpc(core: Core, win: () => WebContents | null): () => void {
  ipcMain.handle(IPC.rpc, async (e, method: unknown, input: unknown) => {
    if (!trustedSender(e, win)) return fail('forbidden', 'IPC call from an untrusted frame was refused');
    if (typeof method !== 'string') return fail('bad_request', 'method must be a string');
    return core.call(method, input);
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
