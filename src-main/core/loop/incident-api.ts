import { Collection } from '../../../src-shared/api/topics';
import type { Handlers } from '../../../src-shared/api';
import { beforeText, changeLabel } from '../../../src-shared/api/changes';
import type { TimelineEntry } from '../../../src-shared/api/incidents';
import type { CoreContext } from '../context';
import { VigilError } from '../errors';
import type { IncidentRow } from '../store';
import type { LoopDeps } from './deps';
import { incidentMarkdown, incidentSummary } from './incidents';
import { alertname, recallFor } from './propose';

/** The incidents API: list, one incident's timeline with the changes nearby, notes, Markdown/NDJSON export, recall. */
export function createIncidentApi(ctx: CoreContext, d: LoopDeps) {
  const repo = ctx.stores.loop;
  const { clock } = ctx;

  /** Changes on the incident's service or host shortly before it opened. */
  function nearby(i: IncidentRow) {
    const first = repo.members(i.id)[0];
    const st = first ? d.router.states.get(first) : null;
    return d.changes.near({ labels: { ...i.labels, ...(st?.labels ?? {}) }, firedAt: i.openedAt });
  }

  function view(i: IncidentRow) {
    const timeline: TimelineEntry[] = repo.timeline(i);
    for (const c of nearby(i)) {
      timeline.push({
        at: c.at,
        kind: 'change',
        text: `${changeLabel(c)}, ${beforeText(c.beforeMs)}${c.review ? ` (${c.review.level} risk)` : ''}`,
        actor: c.author ?? c.source,
        ref: `change:${c.id}`,
      });
    }
    return { ...incidentSummary(repo, i), timeline: timeline.sort((a, b) => a.at - b.at) };
  }
  const mustGet = (id: string) => {
    const i = repo.incident(id);
    if (!i) throw new VigilError('not_found', `incident ${id} does not exist`);
    return i;
  };

  /**
   * NDJSON of the raw records: the incident, then each row as its table holds it, then the changes nearby. The rows are
   * read on the reads thread: a storm's incident window scans its other events too (store/reads.ts).
   */
  async function ndjson(i: IncidentRow): Promise<string> {
    const lines: unknown[] = [{ record: 'incident', ...incidentSummary(repo, i) }];
    for (const r of await ctx.stores.reads.incidentRecords(i)) lines.push({ record: r.table, ...r.row });
    for (const c of nearby(i)) lines.push({ record: 'change', ...c });
    return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  }

  const handlers: Pick<Handlers, 'incidents.list' | 'incidents.get' | 'incidents.note' | 'incidents.export' | 'loop.recall'> = {
    'incidents.list': ({ limit }) => ({ items: repo.listIncidents(limit).map((i) => incidentSummary(repo, i)) }),
    'incidents.get': ({ id }) => view(mustGet(id)),
    'incidents.note': ({ id, by, text }) => {
      mustGet(id);
      const e = { incidentId: id, at: clock.now(), kind: 'note', text, actor: by, ref: null };
      ctx.stores.transaction(() => {
        d.audit.append({ actor: by, action: 'incident.note', subject: `incident:${id}`, detail: { text } });
        repo.addEntry(e);
      });
      ctx.changed(Collection.incidents);
      return { at: e.at, kind: e.kind, text, actor: by, ref: null };
    },
    'incidents.export': async ({ id, format }) => {
      const i = mustGet(id);
      const text = format === 'md' ? incidentMarkdown(view(i), clock.now()) : await ndjson(i);
      return { format, filename: `incident-${i.id}.${format}`, text };
    },
    'loop.recall': ({ eventId }) => {
      const ev = d.router.events.get(eventId);
      if (!ev) throw new VigilError('not_found', `event ${eventId} does not exist`);
      return { alertname: alertname(ev.labels), lines: recallFor(ctx, ev.labels) };
    },
  };

  return { handlers, markdown: (id: string) => incidentMarkdown(view(mustGet(id)), clock.now()) };
}
