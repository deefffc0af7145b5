import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC } from './channels';

/**
 * The one small object the renderer sees. Never ipcRenderer itself, never a
 * generic send(channel, …): only the ConsoleApi call, push subscription and
 * the "open this event" signal from a notification click.
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
  onOpenEvent(fn: (eventId: string) => void): () => void {
    const listener = (_e: IpcRendererEvent, id: string) => fn(id);
    ipcRenderer.on(IPC.openEvent, listener);
    return () => ipcRenderer.removeListener(IPC.openEvent, listener);
  },
};

contextBridge.exposeInMainWorld('vigil', bridge);
