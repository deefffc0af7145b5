import type { Handlers } from '../../../../src-shared/api';
import type { WouldHaveSent } from '../../../../src-shared/api/noise';
import type { CoreContext } from '../../context';
import { VigilError } from '../../errors';
import { formatMessage } from '../message';
import type { Router } from '../router';
import type { StageContext } from '../types';
import { routeWithoutDedupe } from './eligible';

/** R-NOISE-5: events.wouldHaveSent — the trace's holds, plus the message its route would have produced. */
export function noiseHandlers(ctx: CoreContext, router: Router): Pick<Handlers, 'events.wouldHaveSent'> {
  return {
    'events.wouldHaveSent': ({ id }): WouldHaveSent => {
      const ev = router.events.get(id);
      if (!ev) throw new VigilError('not_found', `no event with id "${id}"`);
      const sc: StageContext = {
        now: ctx.clock.now(),
        config: ctx.config,
        silences: router.silences,
        outbox: { enqueue: () => undefined },
        hermes: router.hermes,
        aiTriage: false,
      };
      const { channels } = routeWithoutDedupe(ev, sc, { policy: false });
      const kind = ev.status === 'resolved' ? 'resolved' : 'alert';
      const m = formatMessage(ev, kind, ev.triage);
      const heldBy = ev.trace.filter((t) => t.result === 'held').map((t) => ({ stage: t.stage, at: t.at, detail: t.detail }));
      return {
        eventId: ev.id,
        outcome: ev.outcome,
        notified: ev.outcome === 'notified',
        heldBy,
        channels,
        message: { kind: m.kind, title: m.title, body: m.body, severity: m.severity, status: m.status },
      };
    },
  };
}
