/** IPC channel names, declared once. */
export const IPC = {
  rpc: 'vigil:rpc',
  push: 'vigil:push',
  /** Main → renderer: open a page (on an item): notification click, tray menu. */
  open: 'vigil:open',
} as const;
