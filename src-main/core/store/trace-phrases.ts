/**
 * The phrase table of stored traces (trace-codec.ts, form 1): what the stages write, each entry `[stage, result,
 * detail]`, `{}` marking a hole filled from the stored entry's arguments (a whole field `{}` is a hole too). A stored
 * entry names its phrase by its index here.
 *
 * APPEND ONLY. An index, once released, keeps its meaning for ever: rows written with it must read back exactly as
 * they were written, whatever the stages say today. When a stage's wording changes, its new phrase is appended (the
 * old one stays for the old rows; new entries that match nothing here are stored with a generic phrase, 0 or 1).
 * The texts are copies, never built from the stages' code, so that editing a stage cannot change a stored row. A stage
 * that holds an event back writes result 'held' (router/types.ts `hold`).
 */
export const TRACE_PHRASES: ReadonlyArray<readonly [stage: string, result: string, detail: string]> = [
  // 0-2: generic, for whatever no phrase below says.
  ['{}', '{}', '{}'],
  ['{}', 'pass', '{}'],
  ['{}', 'pass', 'nothing to do'],
  // 3-17: the runner's idle entry of each pipeline slot (router/decide.ts, router/pipeline.ts).
  ['dedupe', 'pass', 'nothing to do'],
  ['ack', 'pass', 'nothing to do'],
  ['silence', 'pass', 'nothing to do'],
  ['mute', 'pass', 'nothing to do'],
  ['severity', 'pass', 'nothing to do'],
  ['triage', 'pass', 'nothing to do'],
  ['route', 'pass', 'nothing to do'],
  ['flap', 'pass', 'nothing to do'],
  ['burst', 'pass', 'nothing to do'],
  ['group', 'pass', 'nothing to do'],
  ['outbox', 'pass', 'nothing to do'],
  ['escalation', 'pass', 'nothing to do'],
  ['action', 'pass', 'nothing to do'],
  ['incident', 'pass', 'nothing to do'],
  ['plan', 'pass', 'nothing to do'],
  // 18-22: intake (router/records.ts); the via of each HTTP intake route.
  ['normalise', 'pass', 'POST /api/v1/alerts/alertmanager'],
  ['normalise', 'pass', 'POST /api/v1/events'],
  ['normalise', 'pass', 'POST /api/v2/alerts'],
  ['normalise', 'pass', '{}'],
  ['persist', 'pass', 'stored (intake batch of {})'],
  // 23-32: dedupe.
  ['dedupe', 'pass', 'new fingerprint'],
  ['dedupe', 'pass', 'firing again (was {})'],
  ['dedupe', 'pass', 'severity rose from {} to {}'],
  ['dedupe', 'held', 'repeat #{} inside the cooldown ({}): counted, not notified'],
  ['dedupe', 'held', 'still firing ({} events); next reminder after {} ({} from now)'],
  ['dedupe', 'pass', 'still firing after the repeat interval ({}): notify again'],
  ['dedupe', 'pass', 'resolved: notify once'],
  ['dedupe', 'held', 'first seen already resolved: stored, nothing to notify'],
  ['dedupe', 'held', 'resolved was already notified'],
  ['dedupe', 'held', 'resolved, but no firing notification was sent for it'],
  // 33-41: silence, mute, severity, triage, route.
  ['silence', 'pass', 'no active silence matches'],
  ['silence', 'held', 'silenced by {} ({}: "{}") until {}'],
  ['mute', 'pass', 'no mute window open'],
  ['mute', 'held', 'mute window "{}" is open ({} {}–{} {})'],
  ['severity', 'pass', 'warning'],
  ['severity', 'pass', 'critical'],
  ['severity', 'pass', 'info'],
  ['severity', 'held', 'info severity is stored, not notified (router.notifyInfo is off)'],
  ['triage', 'pass', 'hermes: {} {}'],
  // 42-43
  ['route', 'pass', 'routes #{} → {}'],
  ['route', 'held', 'no route matches this event: stored, not notified'],
  // 44-51: group.
  ['group', 'held', 'joins group {} ({} alerts): batched into one update at {}'],
  ['group', 'pass', 'first alert of group {}: notified at once; alerts joining within {} are batched into one update'],
  ['group', 'pass', 'already a member of group {}'],
  ['group', 'pass', 'joins group {}, which sent nothing for {}: notified at once'],
  ['group', 'pass', 'none of the groupBy labels ({}): not grouped'],
  ['group', 'pass', 'fired again: the pending resolution of group {} is withdrawn'],
  ['group', 'held', 'last firing alert of group {} resolved: one resolution message for the group at {} unless one fires again'],
  ['group', 'held', 'resolved; {} alert(s) of group {} still firing — the group resolves in one message when all have'],
  // 52-53: outbox.
  ['outbox', 'notified', 'alert queued for {}'],
  ['outbox', 'notified', 'resolved queued for {}'],
  // 54-57: incident (loop/incidents.ts).
  ['incident', 'opened', 'incident {}'],
  ['incident', 'joined', 'incident {}'],
  ['incident', 'reopened', 'incident {}'],
  ['incident', 'resolved', 'incident {}'],
  // 58-64: flap, burst.
  ['flap', 'held', 'flapping since {}: held until it settles'],
  ['flap', 'held', 'flapping: change #{} held; one summary when it has been quiet for {}'],
  ['flap', 'held', 'further changes are held until it settles'],
  ['burst', 'held', 'part of the fleet-wide {} burst ({} hosts): reported in one message'],
  ['burst', 'held', 'all {} hosts of the {} burst resolved: one message reports it'],
  ['burst', 'held', 'resolved; part of the fleet-wide {} burst, reported in one message'],
  ['burst', 'held', '{} hosts started firing {} within {} (threshold {} in {}): fleet-wide burst, one message at {} names them all'],
  // 65-68: ack, escalation (ack/stages.ts).
  ['ack', 'held', 'acknowledged by {} ({}) at {}: not repeated until it resolves or is un-acknowledged'],
  ['ack', 'pass', 'acknowledged by {} at {}; severity rose to {}: notify'],
  ['escalation', 'armed', 'unless acknowledged: {}'],
  ['escalation', 'cancelled', 'resolved: {} pending escalation step(s) cancelled'],
  // 69-70: OpenClaw's suggestions for a person (agents/openclaw/router-stage.ts).
  ['action', 'suggested', '{} for a person (the alert names no host and target)'],
  ['action', 'suggested', '{} for a person'],
];
