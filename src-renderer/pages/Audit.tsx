import { useState } from 'react';
import { ErrorNote, Head, PageHead, Panel, usePages } from '../components/ui';
import { dateTime } from '../format';
import { useDebounced, useQuery } from '../hooks/useQuery';
import { Collection } from '../../src-shared/api/topics';

function Verify() {
  const q = useQuery('audit.verify', {}, { collections: [Collection.audit], throttleMs: 10_000 });
  return (
    <div className={`banner ${q.data && !q.data.ok ? 'banner-critical' : ''}`} data-testid="audit-verify" role="status">
      {q.loading && !q.data && 'Verifying the audit chain…'}
      {q.data?.ok && (
        <span>
          <span className="state-ok">✓</span> Chain intact: {q.data.rows.toLocaleString()} row(s) verified.
        </span>
      )}
      {q.data && !q.data.ok && (
        <span className="state-critical">
          Chain broken at row {q.data.firstBroken?.id}: {q.data.firstBroken?.reason}
        </span>
      )}
      <ErrorNote error={q.error} />
      <button onClick={q.refetch} style={{ marginLeft: 'auto' }}>
        Verify now
      </button>
    </div>
  );
}

export function Audit() {
  const [action, setAction] = useState('');
  const pages = usePages();
  const act = useDebounced(action.trim(), 300);
  const before = pages.before;
  const q = useQuery(
    'audit.list',
    { limit: 100, ...(act ? { action: act } : {}), ...(before ? { beforeId: before } : {}) },
    { collections: [Collection.audit] },
  );
  const entries = q.data?.entries ?? [];
  const last = entries[entries.length - 1];
  return (
    <section aria-labelledby="audit-title">
      <PageHead id="audit-title" title="Audit" />
      <Verify />
      <Panel title="Entries" testId="audit-entries">
        <div className="toolbar">
          <label>
            Action
            <input
              value={action}
              onChange={(e) => (setAction(e.target.value), pages.reset())}
              aria-label="Action filter"
              placeholder="e.g. heal.approve"
            />
          </label>
        </div>
        <ErrorNote error={q.error} />
        {q.data && entries.length === 0 && <p className="muted">No entries.</p>}
        {entries.length > 0 && (
          <table aria-label="Audit entries">
            <Head cols={['#', 'When', 'Actor', 'Action', 'Subject', 'Detail', 'Hash']} />
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <td>{e.id}</td>
                  <td>{dateTime(e.at)}</td>
                  <td>{e.actor}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>{e.subject}</td>
                  <td className="wrap">{e.detail}</td>
                  <td title={`prev ${e.prevHash}`}>
                    <code>{e.hash.slice(0, 10)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {pages.pager(entries.length === 100 ? last?.id : null)}
      </Panel>
    </section>
  );
}
