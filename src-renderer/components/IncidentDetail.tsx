import { useState } from 'react';
import type { TimelineEntry } from '../../src-shared/api/incidents';
import { Collection } from '../../src-shared/api/topics';
import { dateTime, duration } from '../format';
import { foldRuns } from '../timeline';
import { useOperator } from '../hooks/useOperator';
import { useAction, useNow, useQuery } from '../hooks/useQuery';
import { navigate } from '../store';
import { ActionButton, Badge, ErrorNote, Labels } from './ui';
import './timeline.css';

const TIMELINE_SOURCES = [
  Collection.incidents,
  Collection.events,
  Collection.acks,
  Collection.plans,
  Collection.heallog,
  Collection.changes,
  Collection.outbox,
];

/** A timeline line's tone: what went wrong is red, what helped is green. */
function tone(e: TimelineEntry): string | undefined {
  switch (e.kind) {
    case 'alert':
      return e.text.startsWith('firing') ? 'critical' : 'ok';
    case 'escalation':
      return 'critical';
    case 'verification':
      return e.text.includes('did not help') ? 'critical' : 'ok';
    case 'resolution':
      return 'ok';
    case 'change':
      return 'warning';
    case 'note':
    case 'approval':
      return 'accent';
    default:
      return undefined;
  }
}

/** Where a timeline line's reference leads: its event, or the Approvals page for a plan. */
function Ref({ value }: { value: string | null }) {
  if (!value) return null;
  const [kind, id] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
  const to = kind === 'event' ? () => navigate('events', id) : kind === 'plan' ? () => navigate('approvals') : null;
  if (!to) return <span className="muted"> · {value}</span>;
  return (
    <>
      {' · '}
      <a href={kind === 'event' ? `#/events/${encodeURIComponent(id)}` : '#/approvals'} onClick={(e) => (e.preventDefault(), to())}>
        {kind} {id}
      </a>
    </>
  );
}

/** The post-incident draft (markdown, as `vigil export incident` writes it), to read, copy or save. */
function Draft({ id }: { id: string }) {
  const q = useQuery('incidents.export', { id, format: 'md' }, { collections: [Collection.incidents] });
  const [copied, setCopied] = useState(false);
  if (!q.data) return <ErrorNote error={q.error} />;
  const text = q.data.text;
  const save = () => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'text/markdown' }));
    a.download = q.data!.filename;
    a.click();
    URL.revokeObjectURL(a.href);
  };
  return (
    <div data-testid="incident-draft">
      <div className="toolbar">
        <button onClick={() => void navigator.clipboard.writeText(text).then(() => setCopied(true))}>{copied ? 'Copied' : 'Copy'}</button>
        <button onClick={save}>Save {q.data.filename}</button>
      </div>
      <pre className="block">{text}</pre>
    </div>
  );
}

/** One incident: its impact window, group, the whole timeline oldest first, and notes (R-LOOP-3). */
export function IncidentDetail({ id, onClose }: { id: string; onClose(): void }) {
  const now = useNow(15_000);
  // The timeline is read from every table: any of them changing may add a line.
  const q = useQuery('incidents.get', { id }, { collections: TIMELINE_SOURCES, pollMs: 15_000 });
  const [who] = useOperator();
  const [note, setNote] = useState('');
  const [draft, setDraft] = useState(false);
  const add = useAction('incidents.note');
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
  const v = q.data;
  const folds = v ? foldRuns(v.timeline) : [];
  const toggle = (k: number) =>
    setOpen((o) => {
      const n = new Set(o);
      if (!n.delete(k)) n.add(k);
      return n;
    });
  const submit = async () => {
    if (await add.run({ id, by: who.trim() || 'console', text: note.trim() })) {
      setNote('');
      q.refetch();
    }
  };
  return (
    <section className="panel" aria-label="Incident" data-testid="incident-detail">
      <header className="panel-head">
        <h2>{v ? v.title : 'Incident'}</h2>
        <div className="panel-actions">
          <button onClick={() => setDraft((d) => !d)} aria-expanded={draft}>
            Post-incident draft
          </button>
          <button onClick={onClose} aria-label="Close incident">
            Close
          </button>
        </div>
      </header>
      <ErrorNote error={q.error} />
      {v && (
        <>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <Badge tone={v.status === 'open' ? 'critical' : 'ok'}>{v.status}</Badge> <span className="muted">{v.severity}</span>
            </dd>
            <dt>Impact window</dt>
            <dd data-testid="impact-window">
              {dateTime(v.openedAt)} → {v.resolvedAt ? dateTime(v.resolvedAt) : 'still open'} (
              {duration((v.resolvedAt ?? now) - v.openedAt)})
            </dd>
            <dt>Group</dt>
            <dd>
              <Labels labels={v.labels} />
            </dd>
            <dt>Alerts</dt>
            <dd>{v.members.length}</dd>
          </dl>
          {draft && <Draft id={id} />}
          <h3 className="sub">Timeline</h3>
          <ol className="timeline" aria-label="Incident timeline">
            {v.timeline.map((e, k) => {
              // Folded lines stay in the list (hidden), so nothing is dropped and "show" needs no refetch.
              let head = k;
              while (folds[head] === -1) head--;
              const run = folds[k] ?? 0;
              return (
                <li key={k} data-kind={e.kind} hidden={folds[k] === -1 && !open.has(head)}>
                  <time dateTime={new Date(e.at).toISOString()}>{dateTime(e.at)}</time>
                  <Badge tone={tone(e)}>{e.kind}</Badge>
                  <span className="tl-text">
                    {e.text}
                    <span className="muted"> · {e.actor}</span>
                    <Ref value={e.ref} />
                    {run > 0 && (
                      <button className="link-button" aria-expanded={open.has(k)} onClick={() => toggle(k)}>
                        {open.has(k) ? 'fold' : `+${run - 1} more ${e.kind} lines`}
                      </button>
                    )}
                  </span>
                </li>
              );
            })}
          </ol>
          <form
            className="toolbar"
            onSubmit={(e) => {
              e.preventDefault();
              if (note.trim()) void submit();
            }}
          >
            <label style={{ flex: 1 }}>
              Note
              <textarea
                value={note}
                onChange={(e) => setNote(e.target.value)}
                aria-label="Incident note"
                rows={2}
                maxLength={4000}
                placeholder="what you saw, what you tried, what to do next time"
              />
            </label>
            <ActionButton action={add} type="submit" className="primary" disabled={!note.trim()}>
              Add note
            </ActionButton>
          </form>
          <ErrorNote error={add.error} />
        </>
      )}
    </section>
  );
}
