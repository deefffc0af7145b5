import { changeLabel } from '../../src-shared/api/changes';
import { Collection } from '../../src-shared/api/topics';
import { dateTime } from '../format';
import { useNow, useQuery } from '../hooks/useQuery';
import { navigate } from '../store';
import { RiskAndLink } from './NearbyChanges';
import { ErrorNote } from './ui';
import './recent-changes.css';

const DAY = 24 * 3_600_000;

/**
 * The changes of the last day (R-CHANGE-1), newest first: what on call scans
 * for "what changed?" before any alert names one. Folded, so the alerts stay first.
 */
export function RecentChanges() {
  // Rounded to the minute: the query's input (and so its cache key) holds still between ticks.
  const since = Math.floor(useNow(60_000) / 60_000) * 60_000 - DAY;
  const q = useQuery('changes.list', { limit: 20, since }, { collections: [Collection.changes] });
  const items = q.data?.items ?? [];
  return (
    <details className="recent-changes" data-testid="recent-changes">
      <summary>
        Recent changes <span className="muted">({q.data ? `${items.length}${items.length === 20 ? '+' : ''} in 24 h` : '…'})</span>
      </summary>
      <ErrorNote error={q.error} />
      {q.data && !items.length && (
        <p className="muted">No change recorded in the last 24 h (POST /api/v1/changes or `vigil change add`).</p>
      )}
      <ul className="plain">
        {items.map((c) => (
          <li key={c.id}>
            <span className="muted">{dateTime(c.at)}</span> <strong>{changeLabel(c)}</strong>
            {c.summary && <span className="muted"> — {c.summary.slice(0, 120)}</span>}
            {c.planId && (
              <>
                {' '}
                <button className="link-button" onClick={() => navigate('approvals')}>
                  plan waiting
                </button>
              </>
            )}
            <RiskAndLink c={c} />
          </li>
        ))}
      </ul>
    </details>
  );
}
