import { useQuery } from '../hooks/useQuery';
import { Badge, ErrorNote } from './ui';
import { Collection } from '../../src-shared/api/topics';

/** R-NOISE-5: which rule held this event's notification back, and what it would have sent without suppression. */
export function WouldHaveSent({ id }: { id: string }) {
  const q = useQuery('events.wouldHaveSent', { id }, { collections: [Collection.events], throttleMs: 2000 });
  if (q.error) return <ErrorNote error={q.error} />;
  const w = q.data;
  if (!w) return <p className="muted">Loading…</p>;
  if (w.notified) return <p className="muted">Notified on its own: nothing held it back.</p>;
  return (
    <div data-testid="would-have-sent">
      <ul className="plain">
        {w.heldBy.map((h, i) => (
          <li key={i}>
            <Badge tone="warning">{h.stage}</Badge> {h.detail}
          </li>
        ))}
      </ul>
      <p className="muted">
        Without suppression it would have gone to {w.channels.length ? w.channels.join(', ') : 'no channel (no route matches it)'}:
      </p>
      <pre className="block">
        <strong>{w.message.title}</strong>
        {'\n'}
        {w.message.body}
      </pre>
    </div>
  );
}
