/** IPC channel names, declared once. */
export const IPC = {
  rpc: 'vigil:rpc',
  push: 'vigil:push',
  openEvent: 'vigil:open-event',
} as const;
