import type { Handlers } from '../../../src-shared/api';
import type { CoreContext } from '../context';
import type { Audit } from '../audit';
import { VigilError } from '../errors';
import type { EventStore, ChangeRow } from '../store';
import { changeView, createChanges } from './service';

export { detectProvider, fromForm, fromProvider, whereFromQuery, type Provider } from './adapters';
export { changeView, type Changes, type AlertSubject } from './service';
export { alertHost, alertService } from './subject';

type ChangeMethods = 'changes.add' | 'changes.list' | 'changes.get' | 'changes.near' | 'changes.nearAlerts';

/**
 * The changes area (R-CHANGE-1): store, ConsoleApi handlers and the
 * "nearby changes" look-up for an alert. The risk review plugs in with
 * onReview once the agents exist (wired in app.ts).
 */
export function wireChanges(ctx: CoreContext, deps: { audit: Audit; events: () => EventStore }) {
  let reviewer: ((c: ChangeRow) => void) | null = null;
  const changes = createChanges({
    repo: ctx.stores.changes,
    clock: ctx.clock,
    windowMs: () => ctx.config.changes.window,
    review: (c) => reviewer?.(c),
    changed: (...w) => ctx.changed(...w),
    audit: (actor, action, subject, detail) => deps.audit.append({ actor, action, subject, detail }),
  });
  const firedAt = (id: string) => {
    const ev = deps.events().get(id);
    if (!ev) throw new VigilError('not_found', `event ${id} does not exist`);
    return { labels: ev.labels, firedAt: ev.startsAt ?? ev.receivedAt };
  };
  const handlers: Pick<Handlers, ChangeMethods> = {
    'changes.add': (input) => changeView(changes.add(input).change),
    'changes.list': ({ limit, service, host, since }) => ({ items: changes.repo.list({ limit, service, host, since }).map(changeView) }),
    'changes.get': ({ id }) => {
      const c = changes.get(id);
      return { ...changeView(c), diff: c.diff };
    },
    'changes.near': ({ eventId }) => ({ windowMs: ctx.config.changes.window, items: changes.near(firedAt(eventId)) }),
    'changes.nearAlerts': ({ alerts }) => ({
      windowMs: ctx.config.changes.window,
      items: alerts
        .map((a) => ({ fingerprint: a.fingerprint, changes: changes.near({ labels: a.labels, firedAt: a.firedAt }) }))
        .filter((a) => a.changes.length),
    }),
  };
  return {
    changes,
    handlers,
    /** The risk review (core/changes/review via app.ts) is called for each new change with a diff or summary. */
    onReview(fn: (c: ChangeRow) => void) {
      reviewer = fn;
    },
  };
}
export { llmReview, ruleReview } from './review';
