import type { TriageResult } from '../../../src-shared/domain';
import type { CoreContext } from '../context';
import type { ChangeRow } from '../store';
import { createChangeReview } from './change-review';
import type { LoopDeps } from './deps';
import { createIncidentApi } from './incident-api';
import { incidentStage } from './incidents';
import { createLoopSteps } from './loop-steps';
import { createProposals } from './propose';

export type { LoopDeps } from './deps';
export { incidentMarkdown, incidentStage } from './incidents';

/**
 * The closed loop (R-LOOP-1..3, R-CHANGE-2): agents propose plans for new
 * alerts (Hermes rule steps, NemoTron's diagnosis) and for risky changes;
 * after an approved heal the alert is verified, the outcome remembered and a
 * heal that did not help escalated; incidents hold the timeline of each
 * alert group. Everything with a side effect goes through ElephantAlpha's
 * approvals and AutoHeal's catalogue — the loop only proposes.
 */
export function wireLoop(ctx: CoreContext, d: LoopDeps) {
  const proposals = createProposals(ctx, d);
  d.router.fill(incidentStage(ctx.stores.loop));
  d.router.fill(proposals.stage);
  const changeReview = createChangeReview(ctx, d);
  const incidents = createIncidentApi(ctx, d);
  return {
    handlers: incidents.handlers,
    steps: createLoopSteps(ctx, d),
    markdown: incidents.markdown,
    onNemotron: (id: string, t: TriageResult, tools: Array<{ name: string; args: string; output: string }>) =>
      queueMicrotask(() => proposals.guard('NemoTron plan', () => proposals.proposeFromNemotron(id, t, tools))),
    /** A rule plan for an alert the decider thread notified (ToMain.propose). */
    proposeFor: (eventId: string) => proposals.guard('rule plan', () => proposals.proposeFromRule(eventId)),
    review: (c: ChangeRow) => changeReview.review(c),
    /** Resolves when no change review is running (tests). */
    reviewsIdle: changeReview.reviewsIdle,
  };
}
export type Loop = ReturnType<typeof wireLoop>;
