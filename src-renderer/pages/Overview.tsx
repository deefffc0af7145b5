import { StatusDot } from '../components/StatusDot';
import { useApp } from '../store';

export function Overview() {
  const status = useApp((s) => s.status);
  if (!status) return <p className="muted">Waiting for the core…</p>;
  return (
    <section aria-labelledby="overview-title">
      <header className="page-head">
        <h1 id="overview-title">Overview</h1>
        <p className="muted" data-testid="overview-meta">
          Vigil {status.version} · up since {new Date(status.startedAt).toLocaleString()} · updated {new Date(status.now).toLocaleTimeString()}
        </p>
      </header>
      <div className={`banner banner-${status.worst}`} data-testid="worst-status">
        <StatusDot status={status.worst} /> Overall: <strong>{status.worst.toUpperCase()}</strong>
        {status.notificationsPausedUntil && <span> · notifications paused until {new Date(status.notificationsPausedUntil).toLocaleTimeString()}</span>}
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
    </section>
  );
}
