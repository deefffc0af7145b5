import { useEffect, useState } from 'react';
import type { Matcher } from '../../src-shared/api';
import { ActionButton, Badge, DeniedNote, ErrorNote, Head, Labels, PageHead, Panel } from '../components/ui';
import { dateTime, relative, time } from '../format';
import { useOperator } from '../hooks/useOperator';
import { useAction, useDebounced, useNow, useQuery } from '../hooks/useQuery';
import { navigate, takeSilenceDraft, useApp } from '../store';
import { Collection } from '../../src-shared/api/topics';

const OPS = ['=', '!=', '=~', '!~'] as const;
const DURATIONS = [
  { label: '1 hour', ms: 3_600_000 },
  { label: '4 hours', ms: 4 * 3_600_000 },
  { label: '12 hours', ms: 12 * 3_600_000 },
  { label: '1 day', ms: 86_400_000 },
  { label: '1 week', ms: 7 * 86_400_000 },
];

function MatcherEditor({ matchers, onChange }: { matchers: Matcher[]; onChange(m: Matcher[]): void }) {
  const set = (i: number, patch: Partial<Matcher>) => onChange(matchers.map((m, k) => (k === i ? { ...m, ...patch } : m)));
  return (
    <div data-testid="matchers">
      {matchers.map((m, i) => (
        <div className="matcher-row" key={i}>
          <input
            value={m.name}
            onChange={(e) => set(i, { name: e.target.value })}
            placeholder="label name"
            aria-label={`Matcher ${i + 1} label name`}
          />
          <select value={m.op} onChange={(e) => set(i, { op: e.target.value as Matcher['op'] })} aria-label={`Matcher ${i + 1} operator`}>
            {OPS.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
          <input
            value={m.value}
            onChange={(e) => set(i, { value: e.target.value })}
            placeholder={m.op.includes('~') ? 'regular expression' : 'value'}
            aria-label={`Matcher ${i + 1} value`}
          />
          <button
            onClick={() => onChange(matchers.filter((_, k) => k !== i))}
            aria-label={`Remove matcher ${i + 1}`}
            disabled={matchers.length === 1}
          >
            Remove
          </button>
        </div>
      ))}
      <button onClick={() => onChange([...matchers, { name: '', op: '=', value: '' }])}>Add matcher</button>
      <p className="muted">Matchers see the event's labels plus source and severity. =~ and !~ are anchored regular expressions.</p>
    </div>
  );
}

function Preview({ matchers }: { matchers: Matcher[] }) {
  const ready = matchers.length > 0 && matchers.every((m) => m.name.trim() !== '');
  const q = useQuery('silences.preview', { matchers, limit: 10 }, { enabled: ready });
  if (!ready) return <p className="muted">Name every matcher to see which events it would match.</p>;
  return (
    <div data-testid="silence-preview" aria-live="polite">
      <ErrorNote error={q.error} />
      {q.data && !q.error && (
        <>
          <p>
            Would match <strong>{q.data.matched}</strong> of the last {q.data.scanned} stored events{q.loading ? ' (updating…)' : ''}.
          </p>
          <table aria-label="Matching events">
            <tbody>
              {q.data.items.map((e) => (
                <tr key={e.id}>
                  <td>{time(e.receivedAt)}</td>
                  <td className={`sev sev-${e.severity}`}>{e.severity}</td>
                  <td>
                    <a href={`#/events/${encodeURIComponent(e.id)}`} onClick={(ev) => (ev.preventDefault(), navigate('events', e.id))}>
                      {e.summary}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

function CreateSilence() {
  // A draft handed over from an event is read once, then cleared.
  const [draft] = useState(() => useApp.getState().silenceDraft);
  useEffect(() => void takeSilenceDraft(), []);
  const [matchers, setMatchers] = useState<Matcher[]>(draft?.matchers ?? [{ name: '', op: '=', value: '' }]);
  const [comment, setComment] = useState(draft?.comment ?? '');
  const [by, setBy, signedIn] = useOperator();
  const [dur, setDur] = useState(DURATIONS[0]!.ms);
  const create = useAction('silences.create');
  const [created, setCreated] = useState<string | null>(null);
  const debounced = useDebounced(matchers, 400);

  const submit = async () => {
    const s = await create.run({ matchers, endsAt: Date.now() + dur, createdBy: by.trim(), comment: comment.trim() });
    if (s) {
      setCreated(`Silence ${s.id} created, ${s.state} until ${dateTime(s.endsAt)}.`);
      setMatchers([{ name: '', op: '=', value: '' }]);
      setComment('');
    }
  };
  return (
    <Panel title={draft ? 'New silence (prefilled from the event)' : 'New silence'} testId="new-silence">
      <MatcherEditor matchers={matchers} onChange={setMatchers} />
      <div className="toolbar" style={{ marginTop: 10 }}>
        <label>
          Duration
          <select value={dur} onChange={(e) => setDur(Number(e.target.value))} aria-label="Duration">
            {DURATIONS.map((d) => (
              <option key={d.ms} value={d.ms}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        {!signedIn && (
          <label>
            Created by
            <input value={by} onChange={(e) => setBy(e.target.value)} aria-label="Created by" placeholder="your name" />
          </label>
        )}
        <label style={{ flex: 1, minWidth: 240 }}>
          Comment
          <input
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            aria-label="Comment"
            placeholder="why, and a ticket if there is one"
          />
        </label>
        <ActionButton action={create} className="primary" onClick={() => void submit()} disabled={!by.trim() || !comment.trim()}>
          Create silence
        </ActionButton>
      </div>
      <DeniedNote actions={[create]} />
      <ErrorNote error={create.error} />
      {created && (
        <p role="status" className="ok-note">
          {created}
        </p>
      )}
      <h3 className="sub">Preview</h3>
      <Preview matchers={debounced} />
    </Panel>
  );
}

function SilenceList() {
  const [all, setAll] = useState(false);
  const q = useQuery('silences.list', { includeExpired: all }, { collections: [Collection.silences], pollMs: 30_000 });
  const expire = useAction('silences.expire');
  const now = useNow(10_000);
  return (
    <Panel
      title="Silences"
      testId="silence-list"
      actions={
        <label className="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> show expired
        </label>
      }
    >
      <ErrorNote error={q.error ?? expire.error} />
      {q.data && q.data.length === 0 && <p className="muted">No silences.</p>}
      {q.data && q.data.length > 0 && (
        <table aria-label="Silences">
          <Head cols={['State', 'Matchers', 'Ends', 'By', 'Comment', '']} />
          <tbody>
            {q.data.map((s) => (
              <tr key={s.id} className={s.state === 'expired' ? 'muted-row' : undefined}>
                <td>
                  <Badge tone={s.state === 'active' ? 'accent' : undefined}>{s.state}</Badge>
                </td>
                <td>
                  <span className="labels">
                    {s.matchers.map((m, i) => (
                      <code className="chip" key={i}>
                        {m.name}
                        {m.op}
                        {m.value}
                      </code>
                    ))}
                  </span>
                </td>
                <td title={dateTime(s.endsAt)}>{s.state === 'expired' ? dateTime(s.expiredAt ?? s.endsAt) : relative(s.endsAt, now)}</td>
                <td>{s.createdBy}</td>
                <td>{s.comment}</td>
                <td>
                  {s.state !== 'expired' && (
                    <ActionButton
                      action={expire}
                      onClick={() => void expire.run({ id: s.id }).then(() => q.refetch())}
                      aria-label={`Expire silence ${s.id}`}
                    >
                      Expire
                    </ActionButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function MuteWindows() {
  const q = useQuery('mutes.list', {}, { pollMs: 60_000 });
  return (
    <Panel title="Recurring mute windows (from the config)" testId="mute-windows">
      <ErrorNote error={q.error} />
      {q.data && q.data.length === 0 && <p className="muted">No mute windows configured.</p>}
      {q.data && q.data.length > 0 && (
        <table aria-label="Mute windows">
          <Head cols={['Name', 'When', 'Matches', 'Now']} />
          <tbody>
            {q.data.map((m) => (
              <tr key={m.name}>
                <td>{m.name}</td>
                <td>
                  {m.weekdays.length ? m.weekdays.join(', ') : 'every day'} {m.start}–{m.end} <span className="muted">({m.timeZone})</span>
                </td>
                <td>
                  <Labels labels={m.match} />
                </td>
                <td>{m.activeNow ? <Badge tone="accent">active now</Badge> : <span className="muted">inactive</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

export function Silences() {
  return (
    <section aria-labelledby="silences-title">
      <PageHead id="silences-title" title="Silences" />
      <CreateSilence />
      <SilenceList />
      <MuteWindows />
    </section>
  );
}
