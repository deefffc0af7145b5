import { userInfo } from 'node:os';
import type { ConsoleClient } from '../../src-shared/api';

/** The local core or, in connected mode, the team server's client (R-PEOPLE-2): both answer ConsoleApi calls. */
type Api = Pick<ConsoleClient, 'call'>;

/** Who acknowledges from the desktop: the logged-in OS user. */
export function desktopUser(): string {
  try {
    return userInfo().username || 'desktop user';
  } catch {
    return 'desktop user';
  }
}

/** R-ROUTE-8 from the tray menu: the same core call as the console, via "tray". */
export const ackFromTray = (core: Api, fingerprint: string) => core.call('alerts.ack', { fingerprint, by: desktopUser(), via: 'tray' });

/** R-ROUTE-8 from a desktop notification's "Acknowledge" action (the notice names the event; the ack is per fingerprint). */
export async function ackFromNotification(core: Api, eventId: string) {
  const ev = await core.call('events.get', { id: eventId });
  if (!ev.ok) return ev;
  return core.call('alerts.ack', { fingerprint: ev.value.fingerprint, by: desktopUser(), via: 'notification' });
}
