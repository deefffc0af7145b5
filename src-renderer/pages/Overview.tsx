import { useMemo } from 'react';
import { SEVERITY_SERIES, STATUS_SERIES, TimeSeries } from '../charts/TimeSeries';
import { fillBuckets } from '../charts/buckets';
import { FirstRun } from '../components/FirstRun';
import { StatusDot } from '../components/StatusDot';
import { Badge, ErrorNote, Head, Panel } from '../components/ui';
import { count, dateTime, duration, hourMinute, relative, time } from '../format';
import { useNow, useQuery } from '../hooks/useQuery';
import { navigate, useApp } from '../store';
import { Collection } from '../../src-shared/api/topics';

const HOUR = 3_600_000;

function SmokeTrendPanel() {
  const q = useQuery('smoke.trend', { bucket: 'hour' }, { collections: [Collection.smoke], throttleMs: 10_000, pollMs: 60_000 });
  return (
    <Panel title="Smoke checks, last 7 days" testId="smoke-trend">
      <ErrorNote error={q.error} />
      {q.data &&
        (q.data.points.length ? (
          <TimeSeries
            label="Smoke check results per hour"
            data={q.data.points}
            series={STATUS_SERIES}
            from={q.data.since}
            to={q.data.until}
            kind="bar"
          />
        ) : (
          <p className="muted">No smoke runs recorded yet.</p>
        ))}
    </Panel>
  );
}

function EventRatePanel() {
  const q = useQuery('events.stats', {}, { collections: [Collection.events], throttleMs: 5000, pollMs: 60_000 });
  // The default window is the last hour up to the core's now; the data's arrival time is close enough to draw it.
  const chart = useMemo(() => {
    if (!q.data) return null;
    const to = Date.now();
    const from = to - HOUR;
    return {
      from,
      to,
      data: fillBuckets(q.data.points, from, to, q.data.bucketMs, ['info', 'warning', 'critical']),
      total: q.data.points.reduce((n, p) => n + p.info + p.warning + p.critical, 0),
    };
  }, [q.data]);
  return (
    <Panel title="Events, last hour" testId="event-rate" actions={chart && <span className="muted">{count(chart.total)} events</span>}>
      <ErrorNote error={q.error} />
      {chart && (
        <TimeSeries
          label="Events per minute by severity"
          data={chart.data}
          series={SEVERITY_SERIES}
          from={chart.from}
          to={chart.to}
          kind="bar"
        />
      )}
    </Panel>
  );
}

function QueuesPanel() {
  const channels = useQuery('outbox.channels', {}, { collections: [Collection.outbox], pollMs: 15_000 });
  const embed = useQuery('memory.queue', { limit: 1 }, { pollMs: 15_000 });
  const now = useNow(5000);
  return (
    <Panel
      title="Outbox and queues"
      testId="queue-health"
      actions={
        <a href="#/queues" onClick={(e) => (e.preventDefault(), navigate('queues'))}>
          Open Queues
        </a>
      }
    >
      <ErrorNote error={channels.error ?? embed.error} />
      {channels.data &&
        (channels.data.channels.length ? (
          <table aria-label="Channel health">
            <Head cols={['Channel', 'State', 'Backlog', 'Failed', 'Last success']} />
            <tbody>
              {channels.data.channels.map((c) => (
                <tr key={c.name}>
                  <td>{c.name}</td>
                  <td>
                    <span className={`state state-${c.state}`}>{c.state}</span>
                  </td>
                  <td>{count(c.backlog)}</td>
                  <td>{count(c.failed)}</td>
                  <td>{relative(c.lastSuccessAt, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No notification channels configured.</p>
        ))}
      {embed.data && (
        <p className="kv" data-testid="embedding-queue">
          Embedding queue ({embed.data.provider}
          {embed.data.model ? ` · ${embed.data.model}` : ''}): {count(embed.data.counts.pending ?? 0)} pending,{' '}
          {count(embed.data.counts.processing ?? 0)} processing, {count(embed.data.counts.failed ?? 0)} failed
          {embed.data.stale ? `, ${count(embed.data.stale)} stale` : ''}
        </p>
      )}
    </Panel>
  );
}

/** What fires, as the Alerts page groups it (R-ALERT-4): the groups with their counts, worst first. */
function FiringPanel() {
  const q = useQuery(
    'alerts.groups',
    {},
    { collections: [Collection.events, Collection.acks, Collection.silences], throttleMs: 2000, pollMs: 30_000 },
  );
  const now = useNow(10_000);
  const shown = q.data?.slice(0, 8) ?? [];
  return (
    <Panel
      title="Firing now"
      testId="firing-now"
      actions={
        <a href="#/alerts" onClick={(e) => (e.preventDefault(), navigate('alerts'))}>
          Open Alerts
        </a>
      }
    >
      <ErrorNote error={q.error} />
      {q.data && q.data.length === 0 && <p className="muted">Nothing is firing.</p>}
      {shown.length > 0 && (
        <ul className="firing">
          {shown.map((g) => {
            const top = g.alerts[0]!;
            const waiting = g.alerts.filter((a) => !a.vigil.ack && a.status.state === 'active').length;
            const n = g.alerts.length;
            return (
              <li key={`${g.receiver.name}|${JSON.stringify(g.labels)}`}>
                <span className={`sev sev-${top.vigil.severity}`}>{top.vigil.severity}</span>{' '}
                <a
                  href={`#/alerts/${encodeURIComponent(top.fingerprint)}`}
                  onClick={(e) => (e.preventDefault(), navigate('alerts', top.fingerprint))}
                >
                  {Object.values(g.labels).join(' · ') || top.vigil.summary} · {n} alert{n === 1 ? '' : 's'}
                </a>{' '}
                <span className="muted">{relative(Math.min(...g.alerts.map((a) => Date.parse(a.startsAt))), now)}</span>{' '}
                {waiting ? <Badge tone="warning">{waiting} unacknowledged</Badge> : <Badge tone="ok">all handled</Badge>}
                {g.alerts.some((a) => a.vigil.escalated) && <Badge tone="critical">escalated</Badge>}
              </li>
            );
          })}
        </ul>
      )}
      {q.data && q.data.length > shown.length && <p className="muted">and {q.data.length - shown.length} more group(s)</p>}
    </Panel>
  );
}

function ApprovalsPanel() {
  const q = useQuery('approvals.list', {}, { collections: [Collection.approvals], pollMs: 15_000 });
  // A plan's wait_for_approval step waits for a person too: the Approvals page shows both, so the count does.
  const plans = useQuery(
    'plans.approvals',
    { pendingOnly: true, limit: 500 },
    { collections: [Collection.plans, Collection.approvals], pollMs: 15_000 },
  );
  const pending = q.data && plans.data ? q.data.approvals.filter((a) => a.status === 'pending').length + plans.data.items.length : null;
  return (
    <Panel title="Pending approvals" testId="pending-approvals">
      <ErrorNote error={q.error ?? plans.error} />
      {pending !== null && (
        <p>
          <strong className={pending ? 'big warn' : 'big'}>{pending}</strong>{' '}
          {pending ? (
            <a href="#/approvals" onClick={(e) => (e.preventDefault(), navigate('approvals'))}>
              waiting for a decision
            </a>
          ) : (
            <span className="muted">nothing waiting</span>
          )}
        </p>
      )}
    </Panel>
  );
}

export function Overview() {
  const status = useApp((s) => s.status);
  if (!status) return <p className="muted">Waiting for the core…</p>;
  return (
    <section aria-labelledby="overview-title">
      <header className="page-head">
        <h1 id="overview-title">Overview</h1>
        <p className="muted" data-testid="overview-meta">
          Vigil {status.version} · up since {dateTime(status.startedAt)} · updated {time(status.now)}
        </p>
      </header>
      {status.lastSleep && (
        <div className="banner" data-testid="last-sleep">
          <span>
            This machine was asleep from <strong>{hourMinute(status.lastSleep.from).replace(/ \S+$/, '')}</strong> to{' '}
            <strong>{hourMinute(status.lastSleep.to)}</strong> ({duration(status.lastSleep.to - status.lastSleep.from)}): on waking Vigil
            reconnected, checked hosts and probes again and ran what fell due, marked late (the Events page, source vigil, lists it).
          </span>
        </div>
      )}
      <FirstRun />
      <div className="grid-2 lead">
        <FiringPanel />
        <ApprovalsPanel />
      </div>
      <h2 className="sub">Self-checks</h2>
      <div className={`banner banner-${status.worst}`} data-testid="worst-status">
        <StatusDot status={status.worst} /> Overall: <strong>{status.worst.toUpperCase()}</strong>
        {status.notificationsPausedUntil && <span> · notifications paused until {time(status.notificationsPausedUntil)}</span>}
      </div>
      <div className="tiles" data-testid="status-tiles">
        {status.tiles.map((t) => (
          <article key={t.id} className={`tile tile-${t.status}`} aria-label={`${t.label}: ${t.status}`}>
            <header>
              <StatusDot status={t.status} />
              <h2>{t.label}</h2>
            </header>
            <div className="tile-value">{t.value}</div>
            <p className="muted">{t.reason}</p>
          </article>
        ))}
      </div>
      <div className="grid-2">
        <SmokeTrendPanel />
        <EventRatePanel />
        <QueuesPanel />
      </div>
    </section>
  );
}
