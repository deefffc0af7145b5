import { useEffect } from 'react';
import { PAGES, type PageName } from '../src-shared/constants';
import { isOpenRequest } from '../src-shared/desktop';
import { Notices } from './components/Notices';
import { PageBoundary } from './components/PageBoundary';
import { StatusDot } from './components/StatusDot';
import { pages } from './pages';
import { useAttention } from './hooks/useAttention';
import { navigate, useApp } from './store';

const LABELS: Record<PageName, string> = {
  alerts: 'Alerts',
  overview: 'Overview',
  events: 'Events',
  queues: 'Queues',
  approvals: 'Approvals',
  incidents: 'Incidents',
  memory: 'Memory',
  hosts: 'Hosts',
  silences: 'Silences',
  smoke: 'Smoke',
  settings: 'Settings',
  audit: 'Audit',
  people: 'People',
};

function readHash(): void {
  const [, page, detail] = /^#\/([a-z]+)(?:\/(.+))?$/.exec(location.hash) ?? [];
  if (page && (PAGES as readonly string[]).includes(page))
    useApp.setState({ page: page as PageName, detail: detail ? decodeURIComponent(detail) : null });
}

export function App({ hasClient }: { hasClient: boolean }) {
  const page = useApp((s) => s.page);
  const status = useApp((s) => s.status);
  const connected = useApp((s) => s.connected);

  useEffect(() => {
    readHash();
    const onPop = () => readHash();
    window.addEventListener('popstate', onPop);
    // Alt+1…9 jump between pages (keyboard-first at 3 a.m.).
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey) return;
      const i = Number(e.key) - 1;
      if (i >= 0 && i < PAGES.length) navigate(PAGES[i]!);
    };
    window.addEventListener('keydown', onKey);
    const offOpen = window.vigil?.onOpen((to) => isOpenRequest(to) && navigate(to.page, to.id));
    return () => {
      window.removeEventListener('popstate', onPop);
      window.removeEventListener('keydown', onKey);
      offOpen?.();
    };
  }, []);

  if (!hasClient) {
    return (
      <main className="center">
        <h1>Vigil</h1>
        <p>
          This console needs its access token. Open the address printed by <code>vigil serve</code> (it ends in <code>#token=…</code>).
        </p>
      </main>
    );
  }

  return <Console page={page} status={status?.worst ?? 'ok'} connected={connected} />;
}

/** The console proper (mounted only once it has a client, so its hooks can call the core). */
function Console({ page, status, connected }: { page: PageName; status: 'ok' | 'warning' | 'critical'; connected: boolean }) {
  useAttention();
  const Page = pages[page];
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Pages">
        <div className="brand">
          <StatusDot status={status} label={`Worst status: ${status}`} />
          <span>Vigil</span>
        </div>
        <ul>
          {PAGES.map((p, i) => (
            <li key={p}>
              <a
                href={`#/${p}`}
                aria-current={p === page ? 'page' : undefined}
                title={i < 9 ? `Alt+${i + 1}` : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(p);
                }}
              >
                {LABELS[p]}
              </a>
            </li>
          ))}
        </ul>
        <div className={`conn ${connected ? 'ok' : 'down'}`} role="status">
          {connected ? 'connected' : 'connecting…'}
        </div>
      </nav>
      <main className="content">
        <PageBoundary page={page}>
          <Page />
        </PageBoundary>
      </main>
      <Notices />
    </div>
  );
}
