import type { Stage } from './types';

/**
 * The router pipeline, in order: the one place it is written (after
 * Alertmanager's pipeline built in one function). Each event passes these
 * stages inside the processing transaction; once one holds the notification
 * back, only the stages marked `always` still run. Later stages read what
 * earlier ones decided, so the order matters:
 *
 * | stage        | filled by          | why here                                                             |
 * |--------------|--------------------|----------------------------------------------------------------------|
 * | dedupe       | router             | first sight, repeat or resolve: the state every later stage reads     |
 * | ack          | ack                | an acknowledged alert is not repeated (needs dedupe's state)         |
 * | silence      | router             | always: a matching silence holds it; a held repeat is still 'silenced' |
 * | mute         | router             | an open mute window holds it                                         |
 * | severity     | router             | info is stored, not notified (unless router.notifyInfo)              |
 * | triage       | router             | Hermes rules, for held events too (the console shows them)           |
 * | route        | router             | channels from the routes                                             |
 * | flap         | noise              | needs route's channels; holds a flapping alert                       |
 * | burst        | noise              | one message for a fleet-wide burst                                   |
 * | group        | noise              | one update for alerts joining a group                                |
 * | outbox       | router             | queue one message per channel (idempotency key)                      |
 * | escalation   | ack                | arm the escalation chain for what was notified                       |
 * | action       | agents (OpenClaw)  | the rules' L2 safe actions run once the alert is notified            |
 * | incident     | loop               | always: a firing alert opens/joins its group's incident; resolves it |
 * | plan         | loop               | a newly notified alert gets an agent plan (after the commit)         |
 *
 * The router fills its own slots; the other areas fill theirs with
 * `router.fill(stage)` while createCore wires them. A slot left empty is
 * skipped (a router built in a test without the ack area). The runner
 * names each stage a notified event passed in its trace (decide.ts); a
 * stage's own entries use its slot name (ack also writes `escalation`
 * entries when a resolve cancels the chain).
 */
export const PIPELINE = [
  'dedupe',
  'ack',
  'silence',
  'mute',
  'severity',
  'triage',
  'route',
  'flap',
  'burst',
  'group',
  'outbox',
  'escalation',
  'action',
  'incident',
  'plan',
] as const;

export type StageName = (typeof PIPELINE)[number];

/** What the runner runs: a slot's stage, or a test's extra stage. */
export type RunStage = Omit<Stage, 'name'> & { readonly name: string };

/** A stage for fault injection in tests, run just before a named slot. */
export interface ExtraStage {
  before: StageName;
  stage: RunStage;
}

/** The slots, filled once each, and the stages they give, in pipeline order. */
export class Slots {
  private readonly filled = new Map<StageName, Stage>();
  constructor(private readonly extra: readonly ExtraStage[] = []) {}

  fill(stage: Stage): void {
    if (!PIPELINE.includes(stage.name)) throw new Error(`no pipeline slot named "${stage.name}" (have ${PIPELINE.join(', ')})`);
    if (this.filled.has(stage.name)) throw new Error(`pipeline slot "${stage.name}" is already filled`);
    this.filled.set(stage.name, stage);
  }

  /** The stages to run, in PIPELINE order (extras before their slot, even an empty one). */
  stages(): RunStage[] {
    return PIPELINE.flatMap((name) => {
      const s = this.filled.get(name);
      return [...this.extra.filter((x) => x.before === name).map((x) => x.stage), ...(s ? [s] : [])];
    });
  }
}
