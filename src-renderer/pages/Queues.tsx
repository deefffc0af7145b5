import { useMemo, useState } from 'react';
import type { OutboxState } from '../../src-shared/api';
import { ActionButton, Badge, DeniedNote, ErrorNote, Head, PageHead, Panel, usePages } from '../components/ui';
import { count, dateTime, relative } from '../format';
import { useAction, useNow, useQuery } from '../hooks/useQuery';
import { navigate, useApp } from '../store';
import { Collection } from '../../src-shared/api/topics';

const STATES: OutboxState[] = ['pending', 'sending', 'held', 'sent', 'failed', 'expired', 'digested', 'dropped'];

function DigestPreview({ channel, onClose }: { channel: string; onClose(): void }) {
  const q = useQuery('outbox.digestPreview', { channel }, { collections: [Collection.outbox] });
  return (
    <div className="digest" data-testid="digest-preview">
      <div className="panel-head">
        <h3 className="sub">Digest preview · {channel}</h3>
        <button onClick={onClose}>Close preview</button>
      </div>
      <ErrorNote error={q.error} />
      {q.data && (
        <>
          <p>
            Backlog {count(q.data.backlog)}, digest threshold {count(q.data.threshold)}:{' '}
            <strong>
              {q.data.wouldDigest
                ? 'the backlog would be sent as digests listing every message (messages with buttons stay whole)'
                : 'messages would be sent one by one'}
            </strong>
            .
          </p>
          {q.data.message ? (
            <>
              <p>
                <strong>{q.data.message.title}</strong>
              </p>
              <pre className="block">{q.data.message.body}</pre>
            </>
          ) : (
            <p className="muted">Nothing to digest.</p>
          )}
        </>
      )}
    </div>
  );
}

function Channels({ onPick }: { onPick(name: string): void }) {
  const q = useQuery('outbox.channels', {}, { collections: [Collection.outbox], pollMs: 10_000 });
  const retry = useAction('outbox.retryNow');
  const [digest, setDigest] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const now = useNow(5000);
  return (
    <Panel title="Outbox per channel" testId="channels">
      <DeniedNote actions={[retry]} />
      <ErrorNote error={q.error ?? retry.error} />
      {note && <p role="status">{note}</p>}
      {q.data && q.data.channels.length === 0 && <p className="muted">No notification channels configured.</p>}
      {q.data && q.data.channels.length > 0 && (
        <table aria-label="Channels">
          <Head cols={['Channel', 'State', 'Backlog', 'Oldest pending', 'Failed', 'Expired', 'Last success', 'Last error', '']} />
          <tbody>
            {q.data.channels.map((c) => (
              <tr key={c.name}>
                <td>
                  <button className="link-button" onClick={() => onPick(c.name)} aria-label={`Show messages of ${c.name}`}>
                    {c.name}
                  </button>{' '}
                  <span className="muted">{c.type}</span>
                </td>
                <td>
                  <span className={`state state-${c.state}`}>{c.state}</span>
                  {c.failingSince !== null && <div className="muted">since {relative(c.failingSince, now)}</div>}
                  {c.nextAttemptAt !== null && <div className="muted">next try {relative(c.nextAttemptAt, now)}</div>}
                </td>
                <td>{count(c.backlog)}</td>
                <td>{relative(c.oldestPendingAt, now)}</td>
                <td>{count(c.failed)}</td>
                <td>{count(c.expired)}</td>
                <td>{relative(c.lastSuccessAt, now)}</td>
                <td className="wrap">{c.lastError ?? '—'}</td>
                <td className="actions">
                  <ActionButton
                    action={retry}
                    aria-label={`Retry ${c.name} now`}

                    onClick={() =>
                      void retry
                        .run({ channel: c.name })
                        .then((r) => r && (setNote(`${c.name}: ${r.retried} message(s) retried now.`), q.refetch()))
                    }
                  >
                    Retry now
                  </ActionButton>
                  <button aria-label={`Digest preview for ${c.name}`} onClick={() => setDigest(c.name)}>
                    Digest
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {digest && <DigestPreview channel={digest} onClose={() => setDigest(null)} />}
    </Panel>
  );
}

function Messages({ channel, setChannel }: { channel: string; setChannel(c: string): void }) {
  const [state, setState] = useState<OutboxState | ''>('');
  const pages = usePages();
  const input = {
    limit: 50,
    ...(channel ? { channel } : {}),
    ...(state ? { state } : {}),
    ...(pages.before ? { before: pages.before } : {}),
  };
  const q = useQuery('outbox.list', input, { collections: [Collection.outbox] });
  const retry = useAction('outbox.retryNow');
  const expire = useAction('outbox.expire');
  const now = useNow(5000);
  const after = () => q.refetch();
  return (
    <Panel title="Messages" testId="messages">
      <div className="toolbar">
        <label>
          Channel
          <input
            value={channel}
            onChange={(e) => (setChannel(e.target.value), pages.reset())}
            aria-label="Channel"
            placeholder="all"
            size={14}
          />
        </label>
        <label>
          State
          <select value={state} onChange={(e) => (setState(e.target.value as OutboxState | ''), pages.reset())} aria-label="Message state">
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={q.error ?? retry.error ?? expire.error} />
      {q.data && q.data.items.length === 0 && <p className="muted">No messages.</p>}
      {q.data && q.data.items.length > 0 && (
        <table aria-label="Outbox messages">
          <Head cols={['Created', 'Channel', 'State', 'Message', 'Attempts', 'Expires', '']} />
          <tbody>
            {q.data.items.map((m) => (
              <tr key={m.id}>
                <td title={dateTime(m.createdAt)}>{relative(m.createdAt, now)}</td>
                <td>
                  {m.channel}
                  {m.to && <div className="muted">paged {m.to}</div>}
                </td>
                <td>
                  <span className={`state state-${m.state}`}>{m.state}</span>
                  {m.digestId !== null && <div className="muted">in digest #{m.digestId}</div>}
                </td>
                <td className="wrap">
                  <span className={`sev sev-${m.severity}`}>{m.kind}</span> {m.title}
                  {m.eventId && (
                    <>
                      {' '}
                      <a
                        href={`#/events/${encodeURIComponent(m.eventId)}`}
                        onClick={(e) => (e.preventDefault(), navigate('events', m.eventId))}
                      >
                        event
                      </a>
                    </>
                  )}
                  {m.lastError && (
                    <div className="muted">
                      {m.state === 'dropped' ? 'why' : 'last error'}: {m.lastError}
                    </div>
                  )}
                </td>
                <td>
                  {m.attempts}
                  {m.nextAttemptAt && m.state === 'pending' ? <div className="muted">next {relative(m.nextAttemptAt, now)}</div> : null}
                </td>
                <td>{m.state === 'pending' || m.state === 'sending' ? relative(m.expiresAt, now) : '—'}</td>
                <td className="actions">
                  {(m.state === 'pending' || m.state === 'failed' || m.state === 'expired') && (
                    <ActionButton
                      action={retry}
                      aria-label={`Retry message ${m.id} now`}
                      onClick={() => void retry.run({ id: m.id }).then(after)}
                    >
                      Retry now
                    </ActionButton>
                  )}
                  {m.state === 'pending' && (
                    <ActionButton
                      action={expire}
                      aria-label={`Expire message ${m.id}`}
                      onClick={() => void expire.run({ id: m.id }).then(after)}
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
      {pages.pager(q.data?.nextBefore)}
    </Panel>
  );
}

function EmbeddingQueue() {
  const q = useQuery('memory.queue', { limit: 20 }, { pollMs: 5000 });
  const now = useNow(5000);
  const d = q.data;
  return (
    <Panel title="Embedding queue (OpenClaw memory)" testId="embedding-queue">
      <ErrorNote error={q.error} />
      {d && (
        <>
          <p>
            Provider <strong>{d.provider}</strong>
            {d.model && (
              <>
                {' '}
                · model <code>{d.model}</code>
              </>
            )}{' '}
            ·{' '}
            {d.provider === 'none'
              ? 'no embedding provider: memory is searched by keywords'
              : (['pending', 'processing', 'done', 'failed'] as const).map((s) => `${count(d.counts[s] ?? 0)} ${s}`).join(', ')}
            {d.stale > 0 && <Badge tone="warning">{count(d.stale)} stale</Badge>}
          </p>
          {d.items.length > 0 && (
            <table aria-label="Embedding queue items">
              <Head cols={['Insight', 'State', 'Attempts', 'Last error', 'Updated']} />
              <tbody>
                {d.items.map((i) => (
                  <tr key={i.insightId}>
                    <td>
                      #{i.insightId} {i.title}
                    </td>
                    <td>
                      {/* With no provider nothing will embed it: it is found by keywords, not "pending" for ever. */}
                      {d.provider === 'none' && i.state === 'pending' ? (
                        <span className="state">keyword only</span>
                      ) : (
                        <span className={`state state-${i.state}`}>{i.state}</span>
                      )}
                    </td>
                    <td>{i.attempts}</td>
                    <td className="wrap">{i.lastError ?? '—'}</td>
                    <td>{relative(i.updatedAt, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </Panel>
  );
}

/** Router intake as the core reports it: its status tiles (inbox depth and age). */
function RouterIntake() {
  const all = useApp((s) => s.status?.tiles);
  const tiles = useMemo(() => (all ?? []).filter((t) => t.id.startsWith('router') || t.id === 'alerts-firing'), [all]);
  return (
    <Panel title="Router intake" testId="router-intake">
      {tiles.length === 0 ? (
        <p className="muted">The router reports no status.</p>
      ) : (
        <dl className="facts">
          {tiles.map((t) => (
            <div key={t.id} style={{ display: 'contents' }}>
              <dt>{t.label}</dt>
              <dd>
                <strong className={`state-${t.status}`}>{t.value}</strong> <span className="muted">{t.reason}</span>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </Panel>
  );
}

export function Queues() {
  const [channel, setChannel] = useState('');
  return (
    <section aria-labelledby="queues-title">
      <PageHead id="queues-title" title="Queues" />
      <RouterIntake />
      <Channels onPick={setChannel} />
      <Messages channel={channel} setChannel={setChannel} />
      <EmbeddingQueue />
    </section>
  );
}
