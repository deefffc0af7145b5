import { useRef, useState } from 'react';
import { SMOKE_CHECK_LABELS, SMOKE_CHECKS, type SmokeCheckId } from '../../src-shared/api';
import type { SmokeStatus } from '../../src-shared/constants';
import { fetchNdjson, type StreamProgress } from '../api/client';
import { STATUS_SERIES, TimeSeries } from '../charts/TimeSeries';
import { StatusDot } from '../components/StatusDot';
import { ActionButton, Confirm, ErrorNote, Head, PageHead, Panel, usePages } from '../components/ui';
import { count, dateTime } from '../format';
import { useAction, useQuery } from '../hooks/useQuery';
import { useApp } from '../store';
import { Collection } from '../../src-shared/api/topics';

function Latest() {
  const q = useQuery('smoke.latest', {}, { collections: [Collection.smoke], pollMs: 30_000 });
  const run = useAction('smoke.run');
  return (
    <Panel
      title="Latest run"
      testId="smoke-latest"
      actions={
        <ActionButton action={run} className="primary" onClick={() => void run.run({}).then(() => q.refetch())}>
          {run.pending ? 'Running…' : 'Run checks now'}
        </ActionButton>
      }
    >
      <ErrorNote error={q.error ?? run.error} />
      {q.data === null && <p className="muted">No run yet.</p>}
      {q.data && (
        <>
          <p className="muted">
            {dateTime(q.data.at)} · worst <strong className={`state-${q.data.worst}`}>{q.data.worst.toUpperCase()}</strong>
          </p>
          <table aria-label="Latest smoke results">
            <tbody>
              {q.data.results.map((r) => (
                <tr key={r.check}>
                  <td>
                    <StatusDot status={r.status} /> {SMOKE_CHECK_LABELS[r.check]}
                  </td>
                  <td className={`state-${r.status}`}>{r.status}</td>
                  <td>{r.value ?? '—'}</td>
                  <td>{r.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Panel>
  );
}

function Distribution() {
  const [bucket, setBucket] = useState<'hour' | 'day'>('hour');
  const q = useQuery('smoke.trend', { bucket }, { collections: [Collection.smoke], pollMs: 60_000 });
  return (
    <Panel
      title="Distribution"
      testId="smoke-distribution"
      actions={
        <label className="check">
          Bucket
          <select value={bucket} onChange={(e) => setBucket(e.target.value as 'hour' | 'day')} aria-label="Bucket">
            <option value="hour">per hour</option>
            <option value="day">per day</option>
          </select>
        </label>
      }
    >
      <ErrorNote error={q.error} />
      {q.data &&
        (q.data.points.length ? (
          <TimeSeries
            label={`Smoke results per ${bucket}`}
            data={q.data.points}
            series={STATUS_SERIES}
            from={q.data.since}
            to={q.data.until}
            kind="bar"
            height={200}
          />
        ) : (
          <p className="muted">No results in this window.</p>
        ))}
    </Panel>
  );
}

function History() {
  const [check, setCheck] = useState<SmokeCheckId | ''>('');
  const [status, setStatus] = useState<SmokeStatus | ''>('');
  const pages = usePages();
  const q = useQuery(
    'smoke.history',
    { limit: 50, ...(check ? { check } : {}), ...(status ? { status } : {}), ...(pages.before ? { before: pages.before } : {}) },
    { collections: [Collection.smoke] },
  );
  return (
    <Panel title="History" testId="smoke-history">
      <div className="toolbar">
        <label>
          Check
          <select value={check} onChange={(e) => (setCheck(e.target.value as SmokeCheckId | ''), pages.reset())} aria-label="Check">
            <option value="">all checks</option>
            {SMOKE_CHECKS.map((c) => (
              <option key={c} value={c}>
                {SMOKE_CHECK_LABELS[c]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select
            value={status}
            onChange={(e) => (setStatus(e.target.value as SmokeStatus | ''), pages.reset())}
            aria-label="Result status"
          >
            <option value="">any</option>
            <option value="ok">OK</option>
            <option value="warning">Warning</option>
            <option value="critical">Critical</option>
          </select>
        </label>
      </div>
      <ErrorNote error={q.error} />
      {q.data && q.data.rows.length === 0 && <p className="muted">No history.</p>}
      {q.data && q.data.rows.length > 0 && (
        <table aria-label="Smoke history">
          <Head cols={['Time', 'Check', 'Status', 'Value', 'Reason']} />
          <tbody>
            {q.data.rows.map((r) => (
              <tr key={r.id}>
                <td>{dateTime(r.at)}</td>
                <td>{SMOKE_CHECK_LABELS[r.check]}</td>
                <td className={`state-${r.status}`}>{r.status}</td>
                <td>{r.value ?? '—'}</td>
                <td>{r.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages.pager(q.data?.next)}
    </Panel>
  );
}

function save(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Export with progress: the HTTP stream headless; in the desktop app, page through smoke.history. */
function Export() {
  const client = useApp((s) => s.client);
  const [progress, setProgress] = useState<StreamProgress | null>(null);
  const [state, setState] = useState<'idle' | 'running' | 'done'>('idle');
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const start = async () => {
    setError(null);
    setState('running');
    setProgress({ bytes: 0, lines: 0, total: null });
    abort.current = new AbortController();
    try {
      let blob = await fetchNdjson('/api/v1/smoke/history.ndjson', setProgress, abort.current.signal);
      if (!blob && client) {
        const parts: string[] = [];
        let before: number | undefined;
        let bytes = 0;
        for (;;) {
          const r = await client.call('smoke.history', { limit: 500, ...(before ? { before } : {}) });
          if (!r.ok) throw new Error(r.error.message);
          for (const row of r.value.rows) {
            const line = JSON.stringify(row) + '\n';
            parts.push(line);
            bytes += line.length;
          }
          setProgress({ bytes, lines: parts.length, total: null });
          if (!r.value.next || abort.current.signal.aborted) break;
          before = r.value.next;
        }
        blob = new Blob(parts, { type: 'application/x-ndjson' });
      }
      if (blob) save(blob, `vigil-smoke-history-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.ndjson`);
      setState('done');
    } catch (e) {
      setError((e as Error).name === 'AbortError' ? 'Export cancelled.' : (e as Error).message);
      setState('idle');
    }
  };
  return (
    <div data-testid="smoke-export">
      <button onClick={() => void start()} disabled={state === 'running'}>
        Export NDJSON
      </button>{' '}
      {state === 'running' && <button onClick={() => abort.current?.abort()}>Cancel export</button>}
      {progress && (
        <span role="status" className="muted" data-testid="export-progress">
          {' '}
          {state === 'done' ? 'Saved' : 'Downloading'} {count(progress.lines)} lines, {count(progress.bytes)} bytes
          {progress.total ? ` of ${count(progress.total)}` : ''}
        </span>
      )}
      {state === 'running' && progress?.total && (
        <progress className="progress" max={progress.total} value={progress.bytes} aria-label="Export progress" />
      )}
      <ErrorNote error={error} />
    </div>
  );
}

function Actions() {
  const clear = useAction('smoke.clear');
  const send = useAction('smoke.sendSummary');
  const [confirm, setConfirm] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  return (
    <Panel title="Export and maintenance" testId="smoke-actions">
      <Export />
      <div className="toolbar" style={{ marginTop: 10 }}>
        <ActionButton
          action={send}
          onClick={() =>
            void send
              .run({})
              .then(
                (r) =>
                  r &&
                  setNote(
                    `Summary of ${r.summary.runs} run(s) sent to ${r.channels.length ? r.channels.join(', ') : 'no channel (smoke.summaryChannels is empty)'}.`,
                  ),
              )
          }
        >
          Send summary now
        </ActionButton>
        <ActionButton action={clear} className="danger" onClick={() => setConfirm(true)}>
          Clear history…
        </ActionButton>
      </div>
      <ErrorNote error={clear.error ?? send.error} />
      {note && (
        <p role="status" className="ok-note">
          {note}
        </p>
      )}
      {confirm && (
        <Confirm
          title="Clear smoke history?"
          body={
            <p>
              This deletes every smoke result and its hourly rollup. Events, the outbox and the audit log are not touched. The clearing
              itself is audited.
            </p>
          }
          confirmLabel="Clear history"
          busy={clear.pending}
          onCancel={() => setConfirm(false)}
          onConfirm={() =>
            void clear.run({}).then((r) => {
              setConfirm(false);
              if (r) setNote(`Cleared ${count(r.deletedRows)} row(s).`);
            })
          }
        />
      )}
    </Panel>
  );
}

export function Smoke() {
  return (
    <section aria-labelledby="smoke-title">
      <PageHead id="smoke-title" title="Smoke" />
      <div className="grid-2" style={{ marginTop: 0, marginBottom: 12 }}>
        <Latest />
        <Distribution />
      </div>
      <Actions />
      <History />
    </section>
  );
}
