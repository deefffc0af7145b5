import { useState } from 'react';
import { Severity } from '../../src-shared/constants';
import type { TeamStatus } from '../../src-shared/desktop';
import type { Result } from '../../src-shared/result';
import { dateTime } from '../format';
import { describeError, useAction, useQuery } from '../hooks/useQuery';
import { teamLine, useTeamStatus } from '../hooks/useTeam';
import { Badge, Confirm, ErrorNote, Panel } from './ui';

/**
 * Settings → Team server (R-TEAM-2), desktop only: point this desktop at a
 * team `vigil serve` with a personal token. Trust on first use, like a host
 * key: the app fetches the certificate's fingerprint, the person compares it
 * with what vigil serve printed, and only that certificate is ever accepted.
 */
export function TeamSettings() {
  const status = useTeamStatus();
  if (!window.vigil?.team || !status) return null;
  return (
    <Panel title="Team server" testId="settings-team">
      {status.mode === 'local' ? <ConnectForm /> : <Connected status={status} />}
    </Panel>
  );
}

async function settle<T>(p: Promise<Result<T>>, setError: (e: string | null) => void): Promise<T | null> {
  setError(null);
  const r = await p;
  if (r.ok) return r.value;
  // The core's sentences here name the server and what to do; the generic "open the address again" does not apply.
  setError(r.error.code === 'unauthorized' ? r.error.message : describeError(r.error));
  return null;
}

function ConnectForm() {
  const team = window.vigil!.team;
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [seen, setSeen] = useState<{ url: string; fingerprint: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
    } finally {
      setBusy(false);
    }
  };
  const check = () => run(async () => setSeen(await settle(team.probe(url), setError)));
  const connect = (pin: string) =>
    run(async () => {
      if (await settle(team.connect({ url: seen!.url, token, pin }), setError)) setToken('');
    });
  return (
    <>
      <p>
        <strong>Local mode</strong>: this desktop runs its own router. Connect it to your team's <code>vigil serve</code> and the tray,
        notifications, acknowledgements and approvals work against the team server, as you; the local router stops.
      </p>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void check();
        }}
      >
        <label style={{ flex: 2 }}>
          Team server
          <input
            value={url}
            onChange={(e) => (setUrl(e.target.value), setSeen(null))}
            placeholder="https://vigil.example:7300"
            aria-label="Team server URL"
            autoComplete="off"
            spellCheck={false}
          />
        </label>
        <label style={{ flex: 1 }}>
          Personal token
          <input
            type="password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="vgp_… (from vigil user add)"
            aria-label="Personal token"
            autoComplete="off"
          />
        </label>
        <button type="submit" disabled={busy || !url.trim() || !token.trim()}>
          {busy && !seen ? 'Checking…' : 'Check certificate'}
        </button>
      </form>
      {!seen && <ErrorNote error={error} />}
      {seen && (
        <Confirm
          title="Trust this team server?"
          body={
            <>
              <p>
                <code>{seen.url}</code> presents a certificate with the SHA-256 fingerprint
              </p>
              <p>
                <code className="fingerprint" data-testid="team-fingerprint">
                  {seen.fingerprint}
                </code>
              </p>
              <p>
                Compare it with the line <code>TLS certificate SHA-256 fingerprint …</code> that <code>vigil serve</code> printed on the
                server. Connect only if they are the same: from then on this desktop accepts no other certificate from it.
              </p>
              <ErrorNote error={error} />
            </>
          }
          confirmLabel="They match: connect"
          busy={busy}
          onCancel={() => setSeen(null)}
          onConfirm={() => void connect(seen.fingerprint)}
        />
      )}
    </>
  );
}

function Connected({ status }: { status: Extract<TeamStatus, { mode: 'connected' }> }) {
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const line = teamLine(status);
  const local = async () => {
    setBusy(true);
    const ok = await settle(window.vigil!.team.disconnect(), setError);
    setBusy(false);
    if (ok) setConfirm(false);
  };
  return (
    <>
      <p role="status" data-testid="team-status">
        <Badge tone={line.ok ? 'ok' : status.state === 'refused' ? 'critical' : 'warning'}>{status.state}</Badge> {line.text}
        {status.since && status.state === 'connected' && <span className="muted"> · since {dateTime(status.since)}</span>}
      </p>
      {status.reason && status.state !== 'connected' && <p className="muted">{status.reason}</p>}
      <p className="muted">
        {status.url && <code>{status.url}</code>} · pinned certificate <code className="fingerprint">{status.pin || '—'}</code>. The local
        router is off; alerts, acknowledgements and approvals are the team server's.
      </p>
      {status.state === 'connected' && <NotifyPrefs />}
      <div className="toolbar">
        <button onClick={() => setConfirm(true)}>Use local mode…</button>
      </div>
      <ErrorNote error={error} />
      {confirm && (
        <Confirm
          title="Leave the team server?"
          body={
            <p>
              This desktop forgets the server and your token (from the keychain) and runs its own router again. The team server keeps
              routing for everyone else.
            </p>
          }
          confirmLabel="Use local mode"
          busy={busy}
          onCancel={() => setConfirm(false)}
          onConfirm={() => void local()}
        />
      )}
    </>
  );
}

/** Which severities reach this desktop: the person's preference, kept and applied on the team server. */
function NotifyPrefs() {
  const q = useQuery('me.notify.get', {});
  const set = useAction('me.notify.set');
  const chosen = q.data?.severities ?? [];
  const toggle = (s: Severity) =>
    void set.run({ severities: chosen.includes(s) ? chosen.filter((x) => x !== s) : [...chosen, s] }).then((r) => r && q.refetch());
  return (
    <fieldset className="toolbar" aria-label="Desktop notifications for">
      <legend>My desktop notifications (kept on the team server)</legend>
      {Severity.options.map((s) => (
        <label key={s} className="check">
          <input type="checkbox" checked={chosen.includes(s)} onChange={() => toggle(s)} disabled={!q.data || set.pending} /> {s}
        </label>
      ))}
      <ErrorNote error={q.error ?? set.error} />
    </fieldset>
  );
}
