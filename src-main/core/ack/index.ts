import type { Actor } from '../../../src-shared/api/access';
import type { StatusTile } from '../../../src-shared/api/system';
import type { TelegramUpdate } from '../agents';
import type { CoreContext } from '../context';
import type { OutboxWriter } from '../notify';
import { type FailureReports, matchLabels, type Router } from '../router';
import type { AlertState } from '../store';
import { ackHandlers } from './api';
import { createEscalator } from './escalator';
import { humanDuration } from './format';
import { createPagerAck } from './pager-ack';
import { createAckService } from './service';
import { ackStage, escalateStage } from './stages';
import { handleAckCallback } from './telegram';
import type { Audit } from '../audit';

export { isAckData } from './refs';

/** Overdue armed steps beyond this mean the scheduler is not keeping up. */
const OVERDUE_WARN_MS = 120_000;

/**
 * Acknowledge and escalate (R-ROUTE-8, R-NOTIFY-5): the ack stage after
 * dedupe, the escalate stage after outbox, the durable escalation
 * scheduler, the ConsoleApi handlers and a status tile.
 */
export function wireAcks(
  ctx: CoreContext,
  deps: { router: Router; outbox: OutboxWriter; reports: FailureReports; telegramPerson?: (id: number) => Actor | null; audit?: Audit },
) {
  const { acks, escalations } = ctx.stores;
  const stateOf = (fp: string) => deps.router.states.get(fp);
  const silencedBy = (s: AlertState, now: number) => {
    const hit = deps.router.silences.find(matchLabels(s), now);
    return hit ? `${hit.id} (${hit.createdBy}: "${hit.comment}")` : null;
  };
  const escalator = createEscalator(ctx, {
    acks,
    escalations,
    outbox: deps.outbox,
    stateOf,
    silencedBy,
    onFailure: (what, err) => deps.reports.failure(what, err, 'critical'),
    onRecovery: (what) => deps.reports.recovery(what),
  });
  const pagerAck = createPagerAck(ctx, { store: ctx.stores.outbox, writer: deps.outbox });
  const service = createAckService(ctx, { acks, escalations, stateOf, onArmed: () => escalator.kick(), pagerAck });
  // The ack and escalate slots of the router pipeline (router/pipeline.ts).
  deps.router.fill(ackStage(acks, escalations));
  // On the decider thread the escalator (its timers) is the main thread's: the armed step is posted there.
  deps.router.fill(escalateStage(acks, escalations, () => (ctx.toMain ? ctx.toMain.kickEscalator() : escalator.kick())));
  ctx.statusProviders.push((): StatusTile[] => {
    const now = ctx.clock.now();
    const c = escalations.counts(now - 86_400_000);
    const overdue = c.earliestDue !== null ? now - c.earliestDue : 0;
    return [
      {
        id: 'escalations',
        label: 'Escalations',
        status: overdue > OVERDUE_WARN_MS ? 'warning' : 'ok',
        value: String(c.armed),
        reason: `${c.armed} step(s) armed, ${c.firedSince} fired in 24 h${overdue > OVERDUE_WARN_MS ? `; one is ${humanDuration(overdue)} overdue` : ''}`,
      },
    ];
  });
  // After the router's start-up replay, so resolutions still in the inbox cancel their chains first.
  ctx.onStart(() => escalator.start());
  ctx.onStop(() => escalator.stop());
  return {
    service,
    escalator,
    acks,
    escalations,
    handlers: ackHandlers(service),
    telegramCallback: (u: TelegramUpdate) => handleAckCallback(ctx, u, { service, acks, person: deps.telegramPerson, audit: deps.audit }),
  };
}

export type AckArea = ReturnType<typeof wireAcks>;
export { ackButton } from './refs';
export { clockTime, humanDuration } from './format';
