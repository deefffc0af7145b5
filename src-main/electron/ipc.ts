import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { isMethodName, type ConsoleClient } from '../../src-shared/api';
import { TOPIC_NAMES } from '../../src-shared/api/topics';
import { fail, type Result } from '../../src-shared/result';
import type { Core } from '../core/app';
import type { TeamClient } from '../core/team';
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

/** What the window talks to: the local core, or in connected mode the team server (R-PEOPLE-2). */
export interface IpcBackend {
  dispatch(method: string, input: unknown): Promise<Result<unknown>>;
  subscribe: ConsoleClient['subscribe'];
}
export const localBackend = (core: Core): IpcBackend => ({
  dispatch: (m, i) => core.dispatch(m, i),
  subscribe: (t, fn) => core.ctx.bus.subscribe(t, fn),
});
/** The team server validates and authorises every call itself; a name it does not know is refused here already. */
export const teamBackend = (client: TeamClient): IpcBackend => ({
  dispatch: (m, i) =>
    isMethodName(m) ? (client.call(m, i as never) as Promise<Result<unknown>>) : Promise.resolve(fail('not_found', `no method "${m}"`)),
  subscribe: (t, fn) => client.subscribe(t, fn),
});

/** Bind the ConsoleApi to ipcMain: sender check, then the backend's validation (zod in the core or on the team server). */
export function bindIpc(backend: IpcBackend, win: () => WebContents | null): () => void {
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
