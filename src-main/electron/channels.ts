/** IPC channel names, declared once. */
export const IPC = {
  rpc: 'vigil:rpc',
  push: 'vigil:push',
  /** Main → renderer: open a page (on an item): notification click, tray menu. */
  open: 'vigil:open',
  /** Connected mode (R-TEAM-2): the desktop's own calls, never forwarded to a team server. */
  teamStatus: 'vigil:team:status',
  teamProbe: 'vigil:team:probe',
  teamConnect: 'vigil:team:connect',
  teamDisconnect: 'vigil:team:disconnect',
  /** Main → renderer: the team connection's status changed. */
  teamPush: 'vigil:team:push',
} as const;
