// The first-run area as the rest of Vigil sees it: import it through this file only (lint-enforced).
import type { Handlers } from '../../../src-shared/api';
import type { FirstRunItem } from '../../../src-shared/api/system';
import type { CoreContext } from '../context';
import { utcText } from '../duration';

/** channels.test's idempotency keys start with this (notify/test-send.ts). */
const TEST_KEY_PREFIX = 'test:';

/**
 * The Overview's first-run checklist (issue 15 item 4a), each step done by the core's real state, never by a
 * click: a channel exists and delivered a message (a test, or a real one: either proves it reaches someone, and the
 * Channels tile already says it delivered); a host is configured; Alertmanager or Prometheus reaches
 * Vigil (an alert arrived from it, or the Alertmanager poller is configured); an alert was received at all.
 * What was received stays received: those two answers are kept once true (no rescan of history per refresh).
 */
export function wireFirstRun(ctx: CoreContext): { handlers: Pick<Handlers, 'setup.checklist'> } {
  let fromAlertmanager = false;
  let anyAlert = false;
  const checklist = () => {
    const { channels, hosts, alertmanager } = ctx.config;
    const { outbox, events } = ctx.stores;
    const tested = channels.length ? outbox.sentWithKeyPrefix(TEST_KEY_PREFIX).filter((c) => channels.some((x) => x.name === c)) : [];
    const delivered = channels.flatMap((c) => {
      const at = outbox.lastSentAt(c.name);
      return at === null ? [] : [`${c.name} at ${utcText(at)}`];
    });
    fromAlertmanager ||= events.list({ source: 'alertmanager', limit: 1 }).items.length > 0;
    anyAlert ||= events.list({ notSource: 'vigil', limit: 1 }).items.length > 0;
    const items: FirstRunItem[] = [
      {
        id: 'channel',
        done: tested.length > 0 || delivered.length > 0,
        detail: tested.length
          ? `test message delivered on ${tested.join(', ')}`
          : delivered.length
            ? `delivered messages (last: ${delivered.join(', ')}), so no test message is needed`
            : channels.length
              ? `${channels.map((c) => c.name).join(', ')} configured; no test message delivered yet`
              : 'no channel configured',
      },
      { id: 'host', done: hosts.length > 0, detail: hosts.length ? `${hosts.length} host(s) configured` : 'no host configured' },
      {
        id: 'source',
        done: fromAlertmanager || alertmanager !== undefined,
        detail: fromAlertmanager
          ? 'alerts arrive from Alertmanager or Prometheus'
          : alertmanager
            ? `Vigil polls Alertmanager at ${alertmanager.url}`
            : 'nothing has arrived from Alertmanager or Prometheus yet',
      },
      { id: 'alert', done: anyAlert, detail: anyAlert ? 'an alert was received' : 'no alert received yet' },
    ];
    return { items, done: items.every((i) => i.done) };
  };
  return { handlers: { 'setup.checklist': () => checklist() } };
}
