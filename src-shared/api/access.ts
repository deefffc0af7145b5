import type { MethodName } from './index';
import type { Role } from './people';

/**
 * Who may call what (R-PEOPLE-1): the minimum role of every ConsoleApi
 * method, in one table, checked by the core for every transport. `actor`
 * names the input field that records who did it; the core overwrites it
 * with the authenticated person, so a request cannot act in someone else's
 * name (R-PEOPLE-2). A method added without an entry does not type-check.
 */
export interface Access {
  role: Role;
  actor?: string;
}

const viewer: Access = { role: 'viewer' };
const responder = (actor?: string): Access => ({ role: 'responder', actor });
const approver = (actor?: string): Access => ({ role: 'approver', actor });
const admin = (actor?: string): Access => ({ role: 'admin', actor });

export const METHOD_ACCESS: Record<MethodName, Access> = {
  // reading
  'status.get': viewer,
  'system.ping': viewer,
  'me.get': viewer,
  // a person's own notification preferences: anyone signed in, for themself only
  'setup.checklist': viewer,
  'me.notify.get': viewer,
  'me.notify.set': viewer,
  'me.notify.pause': viewer,
  // a console reporting that it showed a desktop notice (the actor is recorded as who saw it)
  'notices.shown': { role: 'viewer', actor: 'by' },
  'agents.status': viewer,
  'alerts.open': viewer,
  'alerts.list': viewer,
  'alerts.groups': viewer,
  'alerts.receivers': viewer,
  'alerts.summary': viewer,
  'alerts.ackInfo': viewer,
  'approvals.list': viewer,
  'approvals.history': viewer,
  'audit.list': viewer,
  'audit.verify': viewer,
  'diag.templates': viewer,
  'diag.check': viewer,
  'events.list': viewer,
  'events.get': viewer,
  'events.stats': viewer,
  'events.wouldHaveSent': viewer,
  'heal.killSwitch.get': viewer,
  'heallog.list': viewer,
  'hosts.list': viewer,
  'incidents.list': viewer,
  'incidents.get': viewer,
  'incidents.export': viewer,
  'loop.recall': viewer,
  'heal.incidents': viewer,
  'memory.search': viewer,
  'memory.flags': viewer,
  'memory.queue': viewer,
  'mutes.list': viewer,
  'outbox.list': viewer,
  'outbox.channels': viewer,
  'outbox.digestPreview': viewer,
  'plans.list': viewer,
  'plans.get': viewer,
  'plans.approvals': viewer,
  'silences.list': viewer,
  'silences.preview': viewer,
  'settings.get': viewer,
  'retention.get': viewer,
  'smoke.latest': viewer,
  'smoke.history': viewer,
  'smoke.trend': viewer,
  'smoke.summary': viewer,
  'changes.list': viewer,
  'changes.get': viewer,
  'changes.near': viewer,
  'changes.nearAlerts': viewer,
  'oncall.now': viewer,
  'oncall.shifts': viewer,
  'oncall.ics': viewer,
  // responding: acknowledge, silence, diagnose, notes and memory, propose
  'alerts.ack': responder('by'),
  'alerts.ackMany': responder('by'),
  'alerts.unack': responder('by'),
  'alerts.addNote': responder('by'),
  'silences.create': responder('createdBy'),
  'silences.expire': responder(),
  'diag.run': responder('by'),
  'hosts.check': responder(),
  'memory.add': responder(),
  'memory.safeAction': responder('actor'),
  'notifications.pause': responder(),
  'outbox.retryNow': responder(),
  'outbox.expire': responder(),
  'smoke.run': responder(),
  'smoke.sendSummary': responder(),
  'changes.add': responder(),
  'incidents.note': responder('by'),
  'heal.dryRun': responder('by'),
  'heal.propose': responder('proposedBy'),
  'plans.create': responder('createdBy'),
  'plans.cancel': responder('by'),
  // approving: heal and plan approvals, the AutoHeal kill switch
  'approvals.decide': approver('by'),
  'plans.decide': approver('by'),
  'heal.killSwitch.set': approver('by'),
  // administering: configuration, secrets, trust, people
  'hosts.acceptKey': admin('by'),
  'secrets.list': admin(),
  'secrets.set': admin('by'),
  'config.state': admin(),
  'config.preview': admin(),
  'config.reload': admin('by'),
  'config.save': admin('by'),
  'channels.test': responder('by'),
  'probes.run': responder(),
  'smoke.clear': admin(),
  'retention.run': admin(),
  'people.list': admin(),
  'people.add': admin(),
  'people.update': admin(),
  'people.remove': admin(),
  'people.rotate': admin(),
  'sessions.list': admin(),
  'sessions.revoke': admin(),
};

/** The authenticated caller of a method: a person (or the desktop's local owner) with a role. */
export interface Actor {
  name: string;
  role: Role;
  /** The browser session the call came through, if any. */
  sessionId?: string | null;
}
