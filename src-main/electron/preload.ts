import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Input, MethodName, Output, TopicName, TopicPayload } from '../../src-shared/api';
import type { OpenRequest, TeamStatus, VigilBridge } from '../../src-shared/desktop';
import type { Result } from '../../src-shared/result';
import { IPC } from './channels';

/**
 * The one small object the renderer sees. Never ipcRenderer itself, never a
 * generic send(channel, …): only the ConsoleApi call, push subscription and
 * the "open this page on this item" signal (notification click, tray menu).
 */
const bridge = {
  // Main validates the method and input against the contract and always answers with the envelope.
  call: <M extends MethodName>(method: M, input: Input<M>) => ipcRenderer.invoke(IPC.rpc, method, input) as Promise<Result<Output<M>>>,
  subscribe<T extends TopicName>(topic: T, fn: (payload: TopicPayload<T>) => void): () => void {
    // Pushes come only from main's bus, which publishes each topic's declared payload.
    const listener = (_e: IpcRendererEvent, t: string, payload: unknown) => {
      if (t === topic) fn(payload as TopicPayload<T>);
    };
    ipcRenderer.on(IPC.push, listener);
    return () => ipcRenderer.removeListener(IPC.push, listener);
  },
  onOpen(fn: (to: OpenRequest) => void): () => void {
    const listener = (_e: IpcRendererEvent, to: OpenRequest) => fn(to);
    ipcRenderer.on(IPC.open, listener);
    return () => ipcRenderer.removeListener(IPC.open, listener);
  },
  // Settings → Team server: main validates every input (core desktopMode) and answers with the envelope.
  team: {
    status: () => ipcRenderer.invoke(IPC.teamStatus) as Promise<TeamStatus>,
    onStatus(fn: (s: TeamStatus) => void): () => void {
      const listener = (_e: IpcRendererEvent, s: TeamStatus) => fn(s);
      ipcRenderer.on(IPC.teamPush, listener);
      return () => ipcRenderer.removeListener(IPC.teamPush, listener);
    },
    probe: (url) => ipcRenderer.invoke(IPC.teamProbe, url) as ReturnType<VigilBridge['team']['probe']>,
    connect: (input) => ipcRenderer.invoke(IPC.teamConnect, input) as ReturnType<VigilBridge['team']['connect']>,
    disconnect: () => ipcRenderer.invoke(IPC.teamDisconnect) as ReturnType<VigilBridge['team']['disconnect']>,
  },
} satisfies VigilBridge;

contextBridge.exposeInMainWorld('vigil', bridge);
