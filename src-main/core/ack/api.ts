import type { Handlers } from '../../../src-shared/api';
import type { AckService } from './service';

type AckHandlers = Pick<Handlers, 'alerts.ack' | 'alerts.ackMany' | 'alerts.unack' | 'alerts.addNote' | 'alerts.ackInfo' | 'alerts.open'>;

/** ConsoleApi handlers: the console, tray and notification actions all call these. */
export const ackHandlers = (svc: AckService): AckHandlers => ({
  'alerts.ack': (i) => svc.ack(i),
  'alerts.ackMany': (i) => svc.ackMany(i),
  'alerts.unack': (i) => svc.unack(i),
  'alerts.addNote': (i) => svc.addNote(i),
  'alerts.ackInfo': ({ fingerprint }) => svc.info(fingerprint),
  'alerts.open': (i) => svc.open(i),
});
