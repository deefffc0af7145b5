import type { Stage } from '../types';
import { dedupeStage } from './dedupe';
import { muteStage } from './mute';
import { outboxStage } from './outbox';
import { routeStage } from './route';
import { severityStage } from './severity';
import { silenceStage } from './silence';
import { triageStage } from './triage';

/** The router's own stages; the other slots of the pipeline (router/pipeline.ts) are filled by their areas. */
export const defaultStages = (): Stage[] => [dedupeStage, silenceStage, muteStage, severityStage, triageStage, routeStage, outboxStage];
