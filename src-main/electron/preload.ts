import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { OpenRequest } from '../../src-shared/desktop';
import { IPC } from './channels';

/**
 * The one small object the renderer sees. Never ipcRenderer itself, never a
 * generic send(channel, …): only the ConsoleApi call, push subscription and
 * the "open this page on this item" signal (notification click, tray menu).
 */
const bridge = {
  call: (method: string, input: unknown): Promise<unknown> => ipcRenderer.invoke(IPC.rpc, method, input),
  subscribe(topic: string, fn: (payload: unknown) => void): () => void {
    const listener = (_e: IpcRendererEvent, t: string, payload: unknown) => {
      if (t === topic) fn(payload);
    };
    ipcRenderer.on(IPC.push, listener);
    return () => ipcRenderer.removeListener(IPC.push, listener);
  },
  onOpen(fn: (to: OpenRequest) => void): () => void {
    const listener = (_e: IpcRendererEvent, to: OpenRequest) => fn(to);
    ipcRenderer.on(IPC.open, listener);
    return () => ipcRenderer.removeListener(IPC.open, listener);
  },
};

contextBridge.exposeInMainWorld('vigil', bridge);
