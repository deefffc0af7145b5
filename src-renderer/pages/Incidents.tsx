import { Badge, ErrorNote, Head, PageHead, Panel } from '../components/ui';
import { dateTime } from '../format';
import { useQuery } from '../hooks/useQuery';
import { navigate } from '../store';
import { Collection } from '../../src-shared/api/topics';

function IncidentList() {
  const q = useQuery('heal.incidents', { limit: 100 }, { collections: [Collection.incidents], pollMs: 30_000 });
  return (
    <Panel title="Incidents" testId="incidents">
      <ErrorNote error={q.error} />
      {q.data && q.data.incidents.length === 0 && <p className="muted">No incidents recorded.</p>}
      {q.data && q.data.incidents.length > 0 && (
        <table aria-label="Incidents">
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
                  <Badge tone={h.result === 'executed' || h.result === 'ok' ? 'ok' : h.result === 'failed' ? 'critical' : undefined}>
                    {h.result}
                  </Badge>
                </td>
                <td>{h.exitCode ?? '—'}</td>
                <td>{h.durationMs !== null ? `${h.durationMs} ms` : '—'}</td>
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
  return (
    <section aria-labelledby="incidents-title">
      <PageHead id="incidents-title" title="Incidents" />
      <IncidentList />
      <HealLog />
    </section>
  );
}
