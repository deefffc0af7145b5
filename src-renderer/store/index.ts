import { create, type StateCreator } from 'zustand';
import type { ConsoleClient } from '../../src-shared/api';
import type { DesktopNotice, Me, StatusSnapshot } from '../../src-shared/api';
import type { Matcher } from '../../src-shared/api';
import type { PageName } from '../../src-shared/constants';
import { Collection, Topic } from '../../src-shared/api/topics';
import type { SessionState } from '../../src-shared/session';

/** The browser console's sign-in (R-PEOPLE-3); the desktop app talks over IPC and has no session. */
export type AuthState =
  { kind: 'checking' } | { kind: 'desktop' } | { kind: 'signedIn'; session: SessionState } | { kind: 'signedOut'; reason: string | null };
interface ConnectionSlice {
  client: ConsoleClient | null;
  connected: boolean;
  auth: AuthState;
  /** Who the core says is at the console (me.get): the role decides which buttons are enabled. */
  me: Me | null;
}
interface StatusSlice {
  status: StatusSnapshot | null;
  notices: DesktopNotice[];
  /** Bumped per collection when the core says it changed; pages refetch on change. */
  versions: Partial<Record<Collection, number>>;
}
interface NavSlice {
  page: PageName;
  detail: string | null;
}
/** Hand-offs between pages (e.g. "Create silence from this event"). */
interface DraftSlice {
  silenceDraft: { matchers: Matcher[]; comment: string } | null;
}
export type AppState = ConnectionSlice & StatusSlice & NavSlice & DraftSlice;

const connection: StateCreator<AppState, [], [], ConnectionSlice> = () => ({
  client: null,
  connected: false,
  auth: { kind: 'checking' },
  me: null,
});
const statusSlice: StateCreator<AppState, [], [], StatusSlice> = () => ({ status: null, notices: [], versions: {} });
const nav: StateCreator<AppState, [], [], NavSlice> = () => ({ page: 'overview', detail: null });
const drafts: StateCreator<AppState, [], [], DraftSlice> = () => ({ silenceDraft: null });

export const useApp = create<AppState>()((...a) => ({ ...connection(...a), ...statusSlice(...a), ...nav(...a), ...drafts(...a) }));

/** Subscribe to pushes once at start-up; each push is applied in one setState. */
export function connect(client: ConsoleClient): () => void {
  useApp.setState({ client, me: null });
  // A role changed on the People page is audited, a team switch changes settings: either may change who is here.
  const refreshMe = () => void client.call('me.get', {}).then((r) => r.ok && useApp.setState({ me: r.value }));
  const poll = setInterval(refreshMe, 300_000);
  const unsubs = [
    client.subscribe(Topic.status, (status) => useApp.setState({ status, connected: true })),
    client.subscribe(Topic.notice, (n) => {
      // A notice already shown is not shown again (R-NOTIFY-3): it is a retry whose report got lost, so report it again.
      if (reported.has(n.id)) return void client.call('notices.shown', { id: n.id });
      useApp.setState((s) => ({ notices: withNotice(s.notices, n) }));
    }),
    client.subscribe(Topic.changed, ({ what }) => {
      if (what.includes(Collection.audit) || what.includes(Collection.settings)) refreshMe();
      useApp.setState((s) => {
        const versions = { ...s.versions };
        for (const w of what) versions[w] = (versions[w] ?? 0) + 1;
        return { versions };
      });
    }),
  ];
  void client.call('status.get', {}).then((r) => r.ok && useApp.setState({ status: r.value, connected: true }));
  refreshMe();
  return () => {
    clearInterval(poll);
    unsubs.forEach((u) => u());
  };
}

export function navigate(page: PageName, detail: string | null = null): void {
  const hash = `#/${page}${detail ? `/${encodeURIComponent(detail)}` : ''}`;
  if (location.hash !== hash) history.pushState(null, '', hash);
  useApp.setState({ page, detail });
}

/** Notices this page has shown and reported (bounded: a retry comes within minutes, not thousands of notices later). */
const reported = new Set<string>();

/**
 * The page rendered these notices: tell the core (headless counts a desktop message delivered only when a
 * console showed it, issue 15 item 5). Called by the Notices component after it rendered them.
 */
export function reportShown(ids: readonly string[]): void {
  const client = useApp.getState().client;
  for (const id of ids) {
    if (reported.has(id) || !client) continue;
    reported.add(id);
    if (reported.size > 1000) reported.delete(reported.values().next().value!);
    void client.call('notices.shown', { id });
  }
}

/** A notice of an incident already shown (same tag) updates that card in place; others stack, newest first (R-NOTIFY-8). */
export function withNotice(notices: DesktopNotice[], n: DesktopNotice): DesktopNotice[] {
  const others = notices.filter((x) => x.id !== n.id); // the same notice again (a retry) is shown once
  const at = n.tag === undefined ? -1 : others.findIndex((x) => x.tag === n.tag);
  return at < 0 ? [n, ...others].slice(0, 5) : others.map((x, i) => (i === at ? n : x));
}

export const dismissNotice = (id: string) => useApp.setState((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
export const dismissAllNotices = () => useApp.setState({ notices: [] });

/** Open the Silences page with matchers prefilled (the person still reviews and creates). */
export function draftSilence(matchers: Matcher[], comment: string): void {
  useApp.setState({ silenceDraft: { matchers, comment } });
  navigate('silences');
}
export const takeSilenceDraft = (): AppState['silenceDraft'] => {
  const d = useApp.getState().silenceDraft;
  if (d) useApp.setState({ silenceDraft: null });
  return d;
};
