import type { RawRecord, TimelineRecord } from './loop';

// An incident's raw records (store/loop.ts `records`) read as the timeline's lines: the console's incident page and
// the markdown draft show these.

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** One raw row as a timeline line (the console and the markdown draft read these). */
export function toTimeline({ table, row: r }: RawRecord): TimelineRecord[] {
  switch (table) {
    case 'incident_entries':
      return [{ at: num(r.at), kind: str(r.kind), text: str(r.text), actor: str(r.actor), ref: (r.ref as string | null) ?? null }];
    case 'events':
      return [
        {
          at: num(r.received_at),
          kind: 'alert',
          text: `${str(r.status)}: ${str(r.summary)} (${str(r.outcome) || 'queued'})`,
          actor: 'source',
          ref: `event:${str(r.id)}`,
        },
      ];
    case 'outbox': {
      const m = JSON.parse(str(r.message)) as { kind?: string; title?: string; to?: { person: string; as: string } };
      // An on-call page names the person the schedule picked (issue 18.5).
      const to = m.to ? `paged ${m.to.person} (${m.to.as}) via ${str(r.channel)}` : `to ${str(r.channel)}`;
      return [
        {
          at: (r.sent_at as number | null) ?? num(r.created_at),
          kind: m.kind === 'escalation' ? 'escalation' : 'notification',
          text: m.to ? `${to}: ${m.kind} "${m.title}": ${str(r.state)}` : `${m.kind} "${m.title}" ${to}: ${str(r.state)}`,
          actor: 'vigil',
          ref: null,
        },
      ];
    }
    case 'plans': {
      const ref = `plan:${str(r.id)}`;
      const out: TimelineRecord[] = [
        {
          at: num(r.created_at),
          kind: 'plan',
          text: `plan "${str(r.title)}" proposed by ${str(r.created_by)}`,
          actor: str(r.created_by),
          ref,
        },
      ];
      // The read-only diagnostics a plan ran, with their outcome (the output itself is on the plan).
      for (const st of JSON.parse(str(r.steps)) as Array<{
        type: string;
        params: Record<string, unknown>;
        status: string;
        finishedAt: number | null;
      }>)
        if (st.type === 'diagnose' && st.finishedAt)
          out.push({
            at: st.finishedAt,
            kind: 'diagnosis',
            text: `${String(st.params.command)} on ${String(st.params.host)}: ${st.status}`,
            actor: str(r.created_by),
            ref,
          });
      for (const a of JSON.parse(str(r.approvals)) as Array<{
        decidedAt: number | null;
        decidedBy: string | null;
        status: string;
        question: string;
      }>)
        if (a.decidedAt)
          out.push({ at: a.decidedAt, kind: 'approval', text: `${a.status}: ${a.question}`, actor: a.decidedBy ?? 'unknown', ref });
      if (r.finished_at)
        out.push({
          at: num(r.finished_at),
          kind: 'plan',
          text: `plan "${str(r.title)}" ${str(r.status)}${r.error ? `: ${str(r.error)}` : ''}`,
          actor: 'elephant',
          ref,
        });
      return out;
    }
    case 'heal_log':
      return [
        {
          at: num(r.at),
          kind: 'heal',
          text: `${str(r.command)} on ${str(r.host)}: ${str(r.result)}${r.exit_code !== null ? ` (exit ${num(r.exit_code)})` : ''}`,
          actor: str(r.actor),
          ref: null,
        },
      ];
    case 'alert_ack_log':
      return [
        {
          at: num(r.at),
          kind: 'ack',
          text: `${str(r.action)} via ${str(r.via)}${r.note ? `: ${str(r.note)}` : ''}`,
          actor: str(r.by),
          ref: null,
        },
      ];
    default:
      return [];
  }
}
