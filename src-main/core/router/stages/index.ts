import type { Stage } from '../types';
import { dedupeStage } from './dedupe';
import { muteStage } from './mute';
import { outboxStage } from './outbox';
import { routeStage } from './route';
import { severityStage } from './severity';
import { silenceStage } from './silence';
import { triageStage } from './triage';

/**
 * The decision pipeline after normalise → persist (which run at intake).
 * Extension points: grouping, flap and burst stages go after `severity`,
 * acknowledgement (stop repeats of an acked alert) after `dedupe`; use
 * insertStage() rather than editing this list from another area.
 */
export const defaultStages = (): Stage[] => [dedupeStage, silenceStage, muteStage, severityStage, triageStage, routeStage, outboxStage];

/** A copy of `stages` with `stage` inserted before (or after) the stage named `anchor`. */
export function insertStage(stages: Stage[], stage: Stage, where: { before: string } | { after: string }): Stage[] {
  const anchor = 'before' in where ? where.before : where.after;
  const i = stages.findIndex((s) => s.name === anchor);
  if (i < 0) throw new Error(`no stage named "${anchor}" (have ${stages.map((s) => s.name).join(', ')})`);
  const at = 'before' in where ? i : i + 1;
  return [...stages.slice(0, at), stage, ...stages.slice(at)];
}
