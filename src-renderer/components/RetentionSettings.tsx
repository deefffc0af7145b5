import { useState } from 'react';
import type { RetentionKindName, RetentionView } from '../../src-shared/api/retention';
import { dateTime } from '../format';
import { useAction, useQuery } from '../hooks/useQuery';
import { ActionButton, ErrorNote, Head, Panel } from './ui';

const LABEL: Record<RetentionKindName, string> = {
  events: 'Events',
  resolvedAlerts: 'Resolved alerts',
  deliveredOutbox: 'Delivered notifications',
  finishedPlans: 'Finished plans',
  smokeHistory: 'Self-check history',
  unreferencedMemory: 'Memory nobody refers to',
  audit: 'Audit rows (archived to audit-archive.ndjson, not deleted)',
};

const mb = (bytes: number | null) => (bytes === null ? '—' : `${(bytes / 2 ** 20).toFixed(1)} MB`);
/** Everything Vigil's data takes on disk: a fresh database's rows sit in its write-ahead log until a checkpoint. */
const onDisk = (v: RetentionView): number | null => {
  const parts = [v.databaseBytes, v.walBytes, v.inboxBytes, v.archiveBytes];
  return parts.every((p) => p === null) ? null : parts.reduce<number>((a, p) => a + (p ?? 0), 0);
};
const days = (ms: number | null) => (ms === null ? 'for ever' : `${Math.round(ms / 86_400_000)} days`);

/** Database size and what retention will remove (issue 17.3): the figures come from the worker's own counts. */
export function RetentionSettings() {
  const q = useQuery('retention.get', {});
  const run = useAction('retention.run');
  const [ran, setRan] = useState<RetentionView | null>(null);
  const v = ran ?? q.data;
  return (
    <Panel
      title="Storage and retention"
      testId="settings-retention"
      actions={
        <ActionButton action={run} onClick={() => void run.run({}).then((r) => r && setRan(r))}>
          {run.pending ? 'Pruning…' : 'Prune now'}
        </ActionButton>
      }
    >
      <ErrorNote error={q.error ?? run.error} />
      {v && (
        <>
          <p>
            On disk <strong>{mb(onDisk(v))}</strong>: database {mb(v.databaseBytes)}, its write-ahead log {mb(v.walBytes)} (written, not yet
            folded into the database file), intake inbox {mb(v.inboxBytes)}, audit archive {mb(v.archiveBytes)}. Pruning runs in small
            batches {v.runsOn === 'worker' ? 'on its own worker thread' : 'inline (in-memory database)'}.
            {v.lastPass && (
              <span className="muted">
                {' '}
                Last pass {dateTime(v.lastPass.at)}
                {v.lastPass.error
                  ? `: failed — ${v.lastPass.error}`
                  : `: removed ${Object.values(v.lastPass.removed).reduce((a, b) => a + b, 0)} rows`}
                .
              </span>
            )}
          </p>
          <table aria-label="Retention">
            <Head cols={['What', 'Kept', 'Due for removal now']} />
            <tbody>
              {v.kinds.map((k) => (
                <tr key={k.kind}>
                  <td>{LABEL[k.kind]}</td>
                  <td>{days(k.keepMs)}</td>
                  <td>{k.due === null ? '—' : k.due.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Panel>
  );
}
