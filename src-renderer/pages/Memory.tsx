import { useState } from 'react';
import type { Insight } from '../../src-shared/api';
import { ActionButton, Badge, ErrorNote, PageHead, Panel } from '../components/ui';
import { dateTime } from '../format';
import { useOperator } from '../hooks/useOperator';
import { useAction, useQuery } from '../hooks/useQuery';
import { Collection } from '../../src-shared/api/topics';

type Mode = 'auto' | 'semantic' | 'keyword';
type Flag = 'human_review' | 'km' | 'relearn';

function InsightLine({ i }: { i: Insight }) {
  return (
    <>
      <Badge>{i.kind}</Badge> <strong>{i.title}</strong>{' '}
      <span className="muted">
        · {i.source} · {dateTime(i.createdAt)}
      </span>
      {i.flags.map((f) => (
        <Badge key={f} tone="warning">
          {f}
        </Badge>
      ))}
      {i.tags.length > 0 && <div className="muted">tags: {i.tags.join(', ')}</div>}
      {i.body && <div className="snippet">{i.body.length > 300 ? `${i.body.slice(0, 300)}…` : i.body}</div>}
    </>
  );
}

const ACTIONS = [
  { action: 'flag_for_human_review', label: 'Flag for review' },
  { action: 'route_to_km', label: 'Route to KM' },
  { action: 'mark_for_relearn', label: 'Mark for relearn' },
] as const;

/** The L2 safe actions on one insight (audited memory writes in the core). */
function SafeActions({ id }: { id: number }) {
  const run = useAction('memory.safeAction');
  const [who] = useOperator();
  const [done, setDone] = useState<string | null>(null);
  return (
    <span className="safe-actions">
      {ACTIONS.map((a) => (
        <ActionButton
          action={run}
          key={a.action}
          className="link-button"

          aria-label={`${a.label}: insight ${id}`}
          onClick={() =>
            void run.run({ action: a.action, insightId: id, actor: who.trim() || 'console' }).then((r) => r && setDone(a.label))
          }
        >
          {a.label}
        </ActionButton>
      ))}
      {done && <span role="status"> done: {done.toLowerCase()}</span>}
      <ErrorNote error={run.error} />
    </span>
  );
}

function Search() {
  const [draft, setDraft] = useState('');
  const [mode, setMode] = useState<Mode>('auto');
  const [asked, setAsked] = useState<{ query: string; mode: Mode } | null>(null);
  const q = useQuery('memory.search', { query: asked?.query ?? '-', mode: asked?.mode ?? 'auto', limit: 20 }, { enabled: asked !== null });
  return (
    <Panel title="Search memory" testId="memory-search">
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (draft.trim()) setAsked({ query: draft.trim(), mode });
        }}
      >
        <label style={{ flex: 1, minWidth: 260 }}>
          Query
          <input
            type="search"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            aria-label="Memory query"
            placeholder="what happened last time the disk filled up?"
          />
        </label>
        <label>
          Mode
          <select value={mode} onChange={(e) => setMode(e.target.value as Mode)} aria-label="Search mode">
            <option value="auto">auto</option>
            <option value="semantic">semantic</option>
            <option value="keyword">keyword</option>
          </select>
        </label>
        <button className="primary" type="submit">
          Search
        </button>
      </form>
      <ErrorNote error={q.error} />
      {asked && q.data && (
        <div data-testid="memory-results">
          <p>
            <Badge tone="accent">{q.data.used} search</Badge> {q.data.results.length} result(s)
            {q.data.note && <span className="muted"> · {q.data.note}</span>}
          </p>
          <ol className="results">
            {q.data.results.map((r) => (
              <li key={r.insight.id}>
                <InsightLine i={r.insight} />
                <div className="muted">
                  score {r.score.toFixed(3)} via {r.via.join(' + ')} <SafeActions id={r.insight.id} />
                </div>
              </li>
            ))}
          </ol>
        </div>
      )}
    </Panel>
  );
}

function Flags() {
  const [flag, setFlag] = useState<Flag | ''>('');
  const q = useQuery('memory.flags', flag ? { flag } : {}, { collections: [Collection.memory], pollMs: 30_000 });
  return (
    <Panel
      title="Flagged insights"
      testId="memory-flags"
      actions={
        <label className="check">
          Flag
          <select value={flag} onChange={(e) => setFlag(e.target.value as Flag | '')} aria-label="Flag filter">
            <option value="">any</option>
            <option value="human_review">human review</option>
            <option value="km">routed to KM</option>
            <option value="relearn">relearn</option>
          </select>
        </label>
      }
    >
      <ErrorNote error={q.error} />
      {q.data &&
        (q.data.items.length === 0 ? (
          <p className="muted">Nothing flagged.</p>
        ) : (
          <ul className="results">
            {q.data.items.map((i) => (
              <li key={i.id}>
                <InsightLine i={i} />
              </li>
            ))}
          </ul>
        ))}
    </Panel>
  );
}

function AddKnowledge() {
  const [kind, setKind] = useState<'knowledge' | 'note'>('knowledge');
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [tags, setTags] = useState('');
  const add = useAction('memory.add');
  const [done, setDone] = useState<string | null>(null);
  const submit = async () => {
    const r = await add.run({
      kind,
      title,
      body,
      tags: tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    });
    if (r) {
      setDone(`Saved as #${r.id}.`);
      setTitle('');
      setBody('');
      setTags('');
    }
  };
  return (
    <Panel title="Add a knowledge entry" testId="memory-add">
      <div className="toolbar">
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} aria-label="Entry kind">
            <option value="knowledge">knowledge</option>
            <option value="note">note</option>
          </select>
        </label>
        <label style={{ flex: 1, minWidth: 260 }}>
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} aria-label="Entry title" />
        </label>
        <label>
          Tags
          <input value={tags} onChange={(e) => setTags(e.target.value)} aria-label="Entry tags" placeholder="comma, separated" />
        </label>
      </div>
      <label className="field">
        Body
        <textarea value={body} onChange={(e) => setBody(e.target.value)} rows={4} aria-label="Entry body" />
      </label>
      <p>
        <ActionButton action={add} className="primary" onClick={() => void submit()} disabled={!title.trim()}>
          Save entry
        </ActionButton>
      </p>
      <ErrorNote error={add.error} />
      {done && (
        <p role="status" className="ok-note">
          {done}
        </p>
      )}
    </Panel>
  );
}

export function Memory() {
  return (
    <section aria-labelledby="memory-title">
      <PageHead id="memory-title" title="Memory" />
      <Search />
      <AddKnowledge />
      <Flags />
    </section>
  );
}
