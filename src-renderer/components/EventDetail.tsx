import type { EventDetail as Detail, Matcher } from '../../src-shared/api';
import { dateTime, duration, time } from '../format';
import { useQuery } from '../hooks/useQuery';
import { draftSilence } from '../store';
import { AckPanel } from './AckPanel';
import { NearbyChanges } from './NearbyChanges';
import { Badge, ErrorNote, Head, Labels } from './ui';
import { WouldHaveSent } from './WouldHaveSent';
import { Collection } from '../../src-shared/api/topics';

const AGENT = { hermes: 'Hermes (rules)', nemotron: 'NemoTron (AI)' } as const;

/** Matchers that select this event's labels exactly (plus its source). */
export function matchersFor(e: Pick<Detail, 'source' | 'labels'>): Matcher[] {
  return [
    { name: 'source', op: '=', value: e.source },
    ...Object.entries(e.labels).map(([name, value]) => ({ name, op: '=' as const, value })),
  ];
}

function Triage({ t }: { t: NonNullable<Detail['triage']> }) {
  return (
    <div data-testid="triage">
      <p>
        <Badge tone="accent">{AGENT[t.agent]}</Badge> {t.model && <code>{t.model}</code>} <Badge>{t.priority}</Badge>{' '}
        <Badge>{t.category}</Badge>
        {t.confidence !== null && <span className="muted"> · confidence {Math.round(t.confidence * 100)} %</span>}
        <span className="muted"> · {time(t.at)}</span>
      </p>
      {t.fallbackReason && <p className="muted">AI triage was not used: {t.fallbackReason}. Rule-based triage shown.</p>}
      <p>{t.summary}</p>
      {t.probableCause && (
        <p>
          <strong>Probable cause:</strong> {t.probableCause}
        </p>
      )}
      {t.runbook && (
        <p>
          <strong>Runbook:</strong> <code>{t.runbook}</code>
        </p>
      )}
    </div>
  );
}

function RelatedMemory({ query }: { query: string }) {
  const q = useQuery('memory.search', { query, limit: 5 });
  if (q.error) return <ErrorNote error={q.error} />;
  if (!q.data) return <p className="muted">Searching memory…</p>;
  return (
    <div data-testid="related-memory">
      <p className="muted">
        {q.data.used} search{q.data.note ? ` · ${q.data.note}` : ''}
      </p>
      {q.data.results.length === 0 ? (
        <p className="muted">Nothing related in memory.</p>
      ) : (
        <ul className="plain">
          {q.data.results.map((r) => (
            <li key={r.insight.id}>
              <Badge>{r.insight.kind}</Badge> {r.insight.title} <span className="muted">({r.score.toFixed(2)})</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ProposedActions({ e }: { e: Detail }) {
  const pending = useQuery('approvals.list', {}, { collections: [Collection.approvals] });
  const approvals = (pending.data?.approvals ?? []).filter((a) => a.eventId === e.id);
  const suggested = e.triage?.suggestedActions ?? [];
  if (!suggested.length && !approvals.length) return <p className="muted">No actions proposed.</p>;
  return (
    <div data-testid="proposed-actions">
      {suggested.length > 0 && (
        <ul className="plain">
          {suggested.map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ul>
      )}
      {approvals.map((a) => (
        <p key={a.id}>
          <Badge tone="warning">{a.status}</Badge> {a.action} on <strong>{a.host}</strong>: <code>{a.command}</code>{' '}
          <a href="#/approvals">review</a>
        </p>
      ))}
    </div>
  );
}

export function EventDetail({ id, onClose }: { id: string; onClose(): void }) {
  const q = useQuery('events.get', { id }, { collections: [Collection.events], throttleMs: 2000 });
  const e = q.data;
  return (
    <article className="detail" aria-label="Event detail" data-testid="event-detail">
      <div className="panel-head">
        <span className="muted">Event {id}</span>
        <button onClick={onClose} aria-label="Close event detail">
          Close
        </button>
      </div>
      <ErrorNote error={q.error} />
      {e && (
        <>
          <h2>
            <span className={`sev sev-${e.severity}`}>{e.severity.toUpperCase()}</span> {e.summary}
          </h2>
          <p className="muted">
            {e.status} · {e.source} · received {dateTime(e.receivedAt)} · {e.outcome ?? 'waiting in the inbox'}
            {e.channels.length > 0 && <> · routed to {e.channels.join(', ')} (delivery on Queues)</>}
          </p>
          <Labels labels={e.labels} />
          {e.description && <pre className="block">{e.description}</pre>}
          <p>
            <button className="primary" onClick={() => draftSilence(matchersFor(e), `Silenced from event ${e.id}: ${e.summary}`)}>
              Create silence from this event
            </button>
          </p>
          {e.counters && (
            <>
              <h3>Counters</h3>
              <dl className="facts" data-testid="counters">
                <dt>Seen</dt>
                <dd>{e.counters.count === 1 ? 'once' : `${e.counters.count} times`}</dd>
                <dt>First seen</dt>
                <dd>{dateTime(e.counters.firstSeen)}</dd>
                <dt>Last seen</dt>
                <dd>{dateTime(e.counters.lastSeen)}</dd>
                <dt>Last notified</dt>
                <dd>{e.counters.notifiedAt ? `${dateTime(e.counters.notifiedAt)} (${e.counters.notifiedStatus})` : 'never'}</dd>
              </dl>
            </>
          )}
          <h3>Acknowledgement</h3>
          <AckPanel fingerprint={e.fingerprint} />
          <h3>What changed before</h3>
          <NearbyChanges eventId={e.id} />
          <h3>Triage</h3>
          {e.triage ? <Triage t={e.triage} /> : <p className="muted">Not triaged.</p>}
          <h3>Proposed actions</h3>
          <ProposedActions e={e} />
          <h3>Trace</h3>
          <table className="trace" aria-label="Stage-by-stage trace" data-testid="trace">
            <Head cols={['+time', 'Stage', 'Result', 'Detail']} />
            <tbody>
              {e.trace.map((t, i) => (
                <tr key={i}>
                  <td title={dateTime(t.at)}>
                    +{t.at - e.receivedAt < 10_000 ? `${t.at - e.receivedAt} ms` : duration(t.at - e.receivedAt)}
                  </td>
                  <td>{t.stage}</td>
                  <td>{t.result}</td>
                  <td>{t.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Held back?</h3>
          <WouldHaveSent id={e.id} />
          <h3>Related memory</h3>
          <RelatedMemory query={e.summary} />
        </>
      )}
    </article>
  );
}
