import type { IncidentView, TimelineEntry } from '../../../src-shared/api/incidents';
import { incidentGroup, trace, type Stage } from '../router';
import type { IncidentRow, LoopRepository } from '../store';
import { randomPool } from '../random-pool';

const random6 = randomPool(6);
/**
 * 'i' + the time (ms, 9 base-36 digits) + 8 random base-36 digits. Time-ordered like event ids (router/ids.ts):
 * a storm opens thousands of incidents, and random ids scattered its writes over alert_incidents, incident_members
 * and incident_entries (keyed by incident id): 0.25 of the ~2 WAL pages a first delivery wrote. Random bytes pooled.
 */
export const newIncidentId = (now: number): string =>
  'i' + Math.max(0, Math.floor(now)).toString(36).padStart(9, '0') + (random6().readUIntBE(0, 6) % 36 ** 8).toString(36).padStart(8, '0');

/** The alert group an event belongs to: its route's groupBy label values (default alertname). */
export const groupOf = incidentGroup;

/**
 * Router stage (always, after the outbox): a firing alert opens an incident
 * for its group or joins the open one; when the last firing member resolves
 * the incident resolves. Written in the event's own transaction.
 */
export function incidentStage(repo: LoopRepository): Stage {
  return {
    name: 'incident',
    always: true,
    run(ev, _d, sc) {
      if (ev.source === 'vigil' && ev.labels.component === 'loop') return;
      const g = groupOf(sc.config, ev);
      if (ev.status === 'firing') {
        let inc = repo.openIncident(g.key);
        // A group that fires again within the flap window after its incident resolved is the same story
        // (a flapping probe opened one incident per flap: 170 in 45 minutes of the demo): reopen it.
        const recent = inc ? null : repo.resolvedSince(g.key, sc.now - sc.config.router.flapWindow);
        if (recent) {
          repo.reopen(recent.id);
          repo.addEntry({
            incidentId: recent.id,
            at: sc.now,
            kind: 'reopened',
            text: `fired again ${Math.round((sc.now - (recent.resolvedAt ?? sc.now)) / 1000)} s after it resolved: incident reopened`,
            actor: 'vigil',
            ref: null,
          });
          trace(_d, sc.now, 'incident', 'reopened', `incident ${recent.id}`);
          inc = { ...recent, status: 'open', resolvedAt: null };
        }
        const opening = !inc;
        if (!inc) {
          inc = {
            id: newIncidentId(sc.now),
            groupKey: g.key,
            title: ev.summary,
            severity: ev.severity,
            status: 'open',
            labels: g.labels,
            // When the source says it started, else when Vigil received it (not when the router got to it:
            // the timeline reads the group's events from openedAt on, so this must not be after the first one).
            openedAt: Math.min(ev.startsAt ?? ev.receivedAt, ev.receivedAt),
            resolvedAt: null,
          };
          repo.insertIncident(inc);
          repo.addEntry({
            incidentId: inc.id,
            at: inc.openedAt,
            kind: 'opened',
            text: `incident opened for ${Object.entries(g.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}`,
            actor: 'vigil',
            ref: null,
          });
          trace(_d, sc.now, 'incident', 'opened', `incident ${inc.id}`);
        }
        if (repo.member(inc.id, ev.fingerprint, 'firing', sc.now) && !opening)
          trace(_d, sc.now, 'incident', 'joined', `incident ${inc.id}`);
        return;
      }
      for (const inc of repo.openIncidentsOf(ev.fingerprint)) {
        repo.member(inc.id, ev.fingerprint, 'resolved', sc.now);
        if (repo.firingMembers(inc.id) === 0) {
          const at = ev.endsAt ?? sc.now;
          repo.resolve(inc.id, at);
          repo.addEntry({
            incidentId: inc.id,
            at,
            kind: 'resolution',
            text: 'every alert of the group resolved: incident resolved',
            actor: 'vigil',
            ref: null,
          });
          trace(_d, sc.now, 'incident', 'resolved', `incident ${inc.id}`);
        }
      }
    },
  };
}

export const incidentSummary = (repo: LoopRepository, i: IncidentRow) => ({ ...i, members: repo.members(i.id) });

const fmt = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
const span = (ms: number) => {
  const m = Math.round(ms / 60_000);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
};

/** A post-incident draft (R-LOOP-3): impact window, timeline, what was done, what helped. */
export function incidentMarkdown(v: IncidentView, now: number): string {
  const done = v.timeline.filter((t) => ['plan', 'approval', 'heal', 'ack', 'note'].includes(t.kind));
  const helped = v.timeline.filter((t) => t.kind === 'verification');
  const changes = v.timeline.filter((t) => t.kind === 'change');
  const end = v.resolvedAt ?? now;
  const line = (t: TimelineEntry) => `| ${fmt(t.at)} | ${t.kind} | ${t.actor} | ${t.text.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`;
  return [
    `# Incident ${v.id}: ${v.title}`,
    '',
    `- Status: ${v.status}`,
    `- Severity: ${v.severity}`,
    `- Group: ${Object.entries(v.labels)
      .map(([k, val]) => `${k}=${val}`)
      .join(', ')}`,
    `- Impact window: ${fmt(v.openedAt)} → ${v.resolvedAt ? fmt(v.resolvedAt) : 'still open'} (${span(end - v.openedAt)})`,
    `- Alerts: ${v.members.length}`,
    '',
    '## Changes before it',
    ...(changes.length ? changes.map((t) => `- ${t.text}`) : ['- none recorded']),
    '',
    '## What was done',
    ...(done.length ? done.map((t) => `- ${fmt(t.at)} ${t.actor}: ${t.text}`) : ['- nothing recorded']),
    '',
    '## What helped',
    ...(helped.length ? helped.map((t) => `- ${t.text}`) : ['- no verified heal']),
    '',
    '## Timeline',
    '',
    '| time (UTC) | kind | who | what |',
    '|---|---|---|---|',
    ...v.timeline.map(line),
    '',
  ].join('\n');
}
