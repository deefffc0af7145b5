import type { ConsoleClient, TopicName, TopicPayload } from '../../../src-shared/api';
import { TeamConnectInput, type TeamStatus } from '../../../src-shared/desktop';
import { describeZodError, fail, ok, type Result } from '../../../src-shared/result';
import { localBackend, teamBackend, type Backend, type LocalCore } from './backend';
import { connectTeam } from './client';
import { watchTeam, type TeamLink } from './link';
import { personalPause } from './pause';
import { normalisePin, presentedFingerprint } from './pin';
import type { TeamSettings } from './settings';

export interface DesktopModeDeps {
  settings: TeamSettings;
  /** A started local core (router on); stopped again when the desktop connects to a team server. */
  startLocal(): Promise<{ core: LocalCore; onClose?: () => Promise<void> }>;
  /** Tests: retry backoff, stale-stream and status-check periods. */
  client?: Parameters<typeof connectTeam>[1];
  checkEveryMs?: number;
  probeTimeoutMs?: number;
}

export interface DesktopMode {
  /** Stable across switches: a subscription made here follows whichever backend is current. */
  readonly api: Pick<Backend, 'call' | 'dispatch' | 'subscribe'>;
  start(): Promise<TeamStatus>;
  status(): TeamStatus;
  onStatus(fn: (s: TeamStatus) => void): () => void;
  probe(url: string): Promise<Result<{ url: string; fingerprint: string }>>;
  connect(input: unknown): Promise<Result<TeamStatus>>;
  disconnect(): Promise<Result<TeamStatus>>;
  stop(): Promise<void>;
}

/** https://host:port only: the token has its own field and is never part of an address. */
export function teamUrl(input: string): Result<string> {
  let u: URL;
  try {
    u = new URL(input.trim());
  } catch {
    return fail('bad_request', `"${input.slice(0, 100)}" is not a URL; enter https://host:port as vigil serve printed it`);
  }
  if (u.protocol !== 'https:')
    return fail(
      'bad_request',
      `a team server is reached over https:// only (vigil serve --tls-self-signed or --tls-cert), not ${u.protocol}//`,
    );
  if (u.username || u.password || /token=/.test(u.hash + u.search))
    return fail('bad_request', 'the address must not carry a token: enter https://host:port and put the personal token in its own field');
  if (u.pathname !== '/' || u.search || u.hash) return fail('bad_request', `enter the server's address only: ${u.origin}`);
  return ok(u.origin);
}

/**
 * The desktop's two modes (R-TEAM-2): local (its own core and router) or
 * connected to a team `vigil serve` (the local router off; tray, notices,
 * acks and approvals all go to the team server as the person whose token it
 * is). Setup is trust on first use: `probe` shows the certificate's
 * fingerprint, the person confirms it, `connect` checks the token over a
 * connection pinned to exactly that fingerprint before anything is saved or
 * switched. The Electron shell only binds this to IPC, the tray and the keychain.
 */
export function desktopMode(deps: DesktopModeDeps): DesktopMode {
  const subs = new Set<{ topic: TopicName; fn: (p: never) => void; off: (() => void) | null }>();
  const statusFns = new Set<(s: TeamStatus) => void>();
  let backend: Backend | null = null;
  let link: TeamLink | null = null;
  let status: TeamStatus = { mode: 'local' };
  // Switches run one at a time: a second click waits for the first to finish.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const publish = (s: TeamStatus) => {
    status = s;
    for (const fn of statusFns) fn(s);
  };
  const attach = (b: Backend | null) => {
    backend = b;
    for (const s of subs) {
      s.off?.();
      s.off = b ? b.subscribe(s.topic, s.fn as (p: TopicPayload<TopicName>) => void) : null;
    }
  };
  const detach = async () => {
    link?.close();
    link = null;
    const old = backend;
    attach(null);
    await old?.close();
  };
  const goLocal = async () => {
    const { core, onClose } = await deps.startLocal();
    attach(localBackend(core, onClose));
    publish({ mode: 'local' });
  };
  const goTeam = (server: { url: string; pin: string }, client: ReturnType<typeof connectTeam>) => {
    // Pausing from this desktop pauses this person's own notices, never the team's (R-TEAM-3).
    attach(personalPause(teamBackend(client)));
    link = watchTeam(client, server, { ...(deps.checkEveryMs ? { checkEveryMs: deps.checkEveryMs } : {}) });
    link.onStatus(publish);
    publish(link.status);
  };
  const refused = (url: string, pin: string, reason: string): TeamStatus => ({
    mode: 'connected',
    url,
    pin,
    state: 'refused',
    person: null,
    reason,
    since: null,
  });
  const switching = fail('unavailable', 'Vigil is switching between local and connected mode; try again in a moment');

  const api: DesktopMode['api'] = {
    call: (m, i) => (backend ? backend.call(m, i) : Promise.resolve(switching)),
    dispatch: (m, i) => (backend ? backend.dispatch(m, i) : Promise.resolve(switching)),
    subscribe<T extends TopicName>(topic: T, fn: (p: TopicPayload<T>) => void) {
      const s = { topic, fn: fn as (p: never) => void, off: backend ? backend.subscribe(topic, fn) : null };
      subs.add(s);
      return () => {
        s.off?.();
        subs.delete(s);
      };
    },
  } satisfies Pick<ConsoleClient, 'call' | 'subscribe'> & Pick<Backend, 'dispatch'>;

  return {
    api,
    status: () => status,
    onStatus(fn) {
      statusFns.add(fn);
      return () => statusFns.delete(fn);
    },
    start: () =>
      serial(async () => {
        let saved;
        try {
          saved = deps.settings.load();
        } catch (e) {
          publish(refused('', '', (e as Error).message));
          return status;
        }
        if (!saved) await goLocal();
        else if (!saved.token)
          publish(refused(saved.url, saved.pin, 'no personal token in the keychain: connect again in Settings → Team server'));
        else goTeam(saved, connectTeam({ url: saved.url, pin: saved.pin, token: saved.token }, deps.client));
        return status;
      }),
    async probe(input) {
      const url = teamUrl(input);
      if (!url.ok) return url;
      try {
        return ok({ url: url.value, fingerprint: await presentedFingerprint(url.value, deps.probeTimeoutMs) });
      } catch (e) {
        return fail('unavailable', `no TLS answer from ${url.value}: ${(e as Error).message}`);
      }
    },
    connect: (input) =>
      serial(async () => {
        const parsed = TeamConnectInput.safeParse(input);
        if (!parsed.success) return fail('bad_request', describeZodError(parsed.error));
        const url = teamUrl(parsed.data.url);
        if (!url.ok) return url;
        const pin = normalisePin(parsed.data.pin);
        if (!pin) return fail('bad_request', 'pin: not a SHA-256 fingerprint (64 hex digits, as vigil serve prints it)');
        const cfg = { url: url.value, pin, token: parsed.data.token };
        // The token is checked over the pinned connection before anything is saved or switched.
        const client = connectTeam(cfg, deps.client);
        const me = await client.call('me.get', {});
        if (!me.ok) {
          client.close();
          const why = me.error.code === 'unauthorized' ? `the team server refused this token: ${me.error.message}` : me.error.message;
          return fail(me.error.code, why);
        }
        deps.settings.save(cfg);
        await detach();
        goTeam(cfg, client);
        return ok(status);
      }),
    disconnect: () =>
      serial(async () => {
        if (status.mode === 'local') return ok(status);
        deps.settings.clear();
        await detach();
        await goLocal();
        return ok(status);
      }),
    stop: () => serial(detach),
  };
}
