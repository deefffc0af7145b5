import { IncidentDetail } from '../components/IncidentDetail';
import { Badge, ErrorNote, Head, Labels, PageHead, Panel } from '../components/ui';
import { dateTime, duration, took } from '../format';
import { useNow, useQuery } from '../hooks/useQuery';
import { navigate, useApp } from '../store';
import { Collection } from '../../src-shared/api/topics';
import '../components/timeline.css';

const SEV_TONE: Record<string, string | undefined> = { critical: 'critical', warning: 'warning' };

/** Alert incidents (R-LOOP-3), open first: one per firing alert group. */
function IncidentList({ openId }: { openId: string | null }) {
  const now = useNow(15_000);
  const q = useQuery(
    'incidents.list',
    { limit: 200 },
    // Incidents open and resolve with the alerts the router processes.
    { collections: [Collection.incidents, Collection.events], pollMs: 30_000 },
  );
  const open = q.data?.items.filter((i) => i.status === 'open').length ?? 0;
  return (
    <Panel title="Incidents" testId="incidents">
      <ErrorNote error={q.error} />
      {q.data && q.data.items.length === 0 && <p className="muted">No incidents: one opens when an alert group starts firing.</p>}
      {q.data && q.data.items.length > 0 && (
        <>
          <p className="muted" data-testid="incidents-meta">
            {open} open · {q.data.items.length - open} resolved · open first
          </p>
          <table aria-label="Incidents">
            <Head cols={['Status', 'Incident', 'Severity', 'Alerts', 'Opened', 'Lasted']} />
            <tbody>
              {q.data.items.map((i) => (
                <tr key={i.id} aria-selected={i.id === openId} className={i.id === openId ? 'selected' : undefined}>
                  <td>
                    <Badge tone={i.status === 'open' ? 'critical' : 'ok'}>{i.status}</Badge>
                  </td>
                  <td className="wrap">
                    <a href={`#/incidents/${encodeURIComponent(i.id)}`} onClick={(e) => (e.preventDefault(), navigate('incidents', i.id))}>
                      {i.title}
                    </a>
                    <div>
                      <Labels labels={i.labels} max={3} />
                    </div>
                  </td>
                  <td>
                    <Badge tone={SEV_TONE[i.severity]}>{i.severity}</Badge>
                  </td>
                  <td>{i.members.length}</td>
                  <td>{dateTime(i.openedAt)}</td>
                  <td>{i.resolvedAt ? duration(i.resolvedAt - i.openedAt) : `${duration(now - i.openedAt)} so far`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Panel>
  );
}

/** AutoHeal's own records (one per heal proposal), kept beside the incidents. */
function HealRecords() {
  const q = useQuery('heal.incidents', { limit: 100 }, { collections: [Collection.incidents], pollMs: 30_000 });
  return (
    <Panel title="Heal records" testId="heal-records">
      <ErrorNote error={q.error} />
      {q.data && q.data.incidents.length === 0 && <p className="muted">No heal proposals recorded.</p>}
      {q.data && q.data.incidents.length > 0 && (
        <table aria-label="Heal records">
          <Head cols={['When', 'Title', 'Host', 'Action', 'Status', 'Detail']} />
          <tbody>
            {q.data.incidents.map((i) => (
              <tr key={i.id}>
                <td>{dateTime(i.at)}</td>
                <td>
                  {i.eventId ? (
                    <a
                      href={`#/events/${encodeURIComponent(i.eventId)}`}
                      onClick={(e) => (e.preventDefault(), navigate('events', i.eventId))}
                    >
                      {i.title}
                    </a>
                  ) : (
                    i.title
                  )}
                </td>
                <td>{i.host}</td>
                <td>
                  {i.action} <code>{i.target}</code>
                </td>
                <td>
                  <Badge>{i.status}</Badge>
                </td>
                <td className="wrap">{i.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function HealLog() {
  const q = useQuery('heallog.list', { limit: 100 }, { collections: [Collection.heallog], pollMs: 30_000 });
  return (
    <Panel title="Heal log" testId="heal-log">
      <ErrorNote error={q.error} />
      {q.data && q.data.entries.length === 0 && <p className="muted">No heal actions yet.</p>}
      {q.data && q.data.entries.length > 0 && (
        <table aria-label="Heal log">
          <Head cols={['When', 'Host', 'Command', 'Result', 'Exit', 'Took', 'By', 'Output']} />
          <tbody>
            {q.data.entries.map((h) => (
              <tr key={h.id}>
                <td>{dateTime(h.at)}</td>
                <td>{h.host}</td>
                <td>
                  <code>{h.command}</code>
                </td>
                <td>
                  <Badge
                    tone={
                      h.result === 'executed' || h.result === 'ok' || h.result === 'verified'
                        ? 'ok'
                        : h.result === 'failed' || h.result === 'not_verified'
                          ? 'critical'
                          : undefined
                    }
                  >
                    {h.result}
                  </Badge>
                </td>
                <td>{h.exitCode ?? '—'}</td>
                <td>{took(h.durationMs)}</td>
                <td>{h.actor}</td>
                <td className="wrap">
                  {h.output ? <pre className="block">{h.output}</pre> : null}
                  {h.detail && <span className="muted">{h.detail}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

export function Incidents() {
  const detail = useApp((s) => s.detail);
  return (
    <section aria-labelledby="incidents-title">
      <PageHead id="incidents-title" title="Incidents">
        <p className="muted">Each firing alert group opens an incident; its timeline holds everything that happened to it.</p>
      </PageHead>
      {detail && <IncidentDetail key={detail} id={detail} onClose={() => navigate('incidents')} />}
      <IncidentList openId={detail} />
      <HealLog />
      <HealRecords />
    </section>
  );
}
