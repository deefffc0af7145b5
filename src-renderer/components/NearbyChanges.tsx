import { beforeText, changeLabel, type Change, type NearbyChange } from '../../src-shared/api/changes';
import { Collection } from '../../src-shared/api/topics';
import { dateTime } from '../format';
import { useQuery } from '../hooks/useQuery';
import { Badge, ErrorNote } from './ui';

const TONE = { high: 'critical', medium: 'warning', low: 'ok' } as const;

/** "deploy api 1.4.2 by alice, 3 min before (… same service) [high risk] link" — one change near an alert. */
export function ChangeLine({ c, extra }: { c: NearbyChange; extra?: string }) {
  return (
    <>
      <strong>{changeLabel(c)}</strong>, {beforeText(c.beforeMs)}{' '}
      <span className="muted">
        ({dateTime(c.at)}, same {c.matched}
        {extra ? `, ${extra}` : ''})
      </span>
      <RiskAndLink c={c} />
    </>
  );
}

/** A change's review level (when it was reviewed) and its link (when it has one). */
export function RiskAndLink({ c }: { c: Pick<Change, 'review' | 'link'> }) {
  return (
    <>
      {c.review && (
        <>
          {' '}
          <Badge tone={TONE[c.review.level]}>{c.review.level} risk</Badge>
        </>
      )}
      {c.link && (
        <>
          {' '}
          <a href={c.link} target="_blank" rel="noreferrer">
            link
          </a>
        </>
      )}
    </>
  );
}

/** "What changed?" — changes on the alert's service or host shortly before it fired (R-CHANGE-1). */
export function NearbyChanges({ eventId }: { eventId: string }) {
  const q = useQuery('changes.near', { eventId }, { collections: [Collection.changes] });
  if (q.error) return <ErrorNote error={q.error} />;
  if (!q.data) return <p className="muted">Looking for changes…</p>;
  const mins = Math.round(q.data.windowMs / 60_000);
  if (!q.data.items.length) return <p className="muted">No change recorded on this service or host in the {mins} min before it fired.</p>;
  return (
    <ul className="plain" data-testid="nearby-changes">
      {q.data.items.map((c) => (
        <li key={c.id}>
          <ChangeLine c={c} />
        </li>
      ))}
    </ul>
  );
}
