import { useEffect } from 'react';
import { PAGES, type PageName } from '../src-shared/constants';
import { isOpenRequest } from '../src-shared/desktop';
import type { SessionState } from '../src-shared/session';
import { Notices } from './components/Notices';
import { PageBoundary } from './components/PageBoundary';
import { SessionMenu } from './components/SessionMenu';
import { SignIn } from './components/SignIn';
import { StatusDot } from './components/StatusDot';
import { pages } from './pages';
import { useAttention } from './hooks/useAttention';
import { teamLine, useTeamStatus } from './hooks/useTeam';
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

export function App() {
  const auth = useApp((s) => s.auth);
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

  if (auth.kind === 'checking')
    return (
      <main className="center">
        <p className="muted">Checking your session…</p>
      </main>
    );
  if (auth.kind === 'signedOut') return <SignIn reason={auth.reason} />;

  return (
    <Console page={page} status={status?.worst ?? 'ok'} connected={connected} session={auth.kind === 'signedIn' ? auth.session : null} />
  );
}

/** The console proper (mounted only once it has a client, so its hooks can call the core). */
function Console({
  page,
  status,
  connected,
  session,
}: {
  page: PageName;
  status: 'ok' | 'warning' | 'critical';
  connected: boolean;
  /** The browser session; null in the desktop app (IPC, its owner), which has no one to sign out. */
  session: SessionState | null;
}) {
  useAttention();
  const noticesShown = useApp((s) => s.notices.length > 0);
  const Page = pages[page];
  // In connected mode (desktop) the line says which team server, as whom, and whether it answers right now.
  const team = useTeamStatus();
  const line = team?.mode === 'connected' ? teamLine(team) : null;
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
        {line ? (
          <div className={`conn ${line.ok ? 'ok' : 'down'}`} role="status" title={line.title} data-testid="team-line">
            {line.text}
          </div>
        ) : (
          <div className={`conn ${connected ? 'ok' : 'down'}`} role="status">
            {connected ? 'connected' : 'connecting…'}
          </div>
        )}
      </nav>
      <main className={noticesShown ? 'content with-notices' : 'content'}>
        {session && (
          <header className="topbar">
            <SessionMenu session={session} />
          </header>
        )}
        <PageBoundary page={page}>
          <Page />
        </PageBoundary>
      </main>
      <Notices />
    </div>
  );
}
