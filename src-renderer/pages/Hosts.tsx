import { useState } from 'react';
import type { HostView } from '../../src-shared/api';
import { ActionButton, Badge, Confirm, ErrorNote, Head, PageHead, Panel } from '../components/ui';
import { relative } from '../format';
import { useOperator } from '../hooks/useOperator';
import { useAction, useDebounced, useNow, useQuery } from '../hooks/useQuery';
import { Collection } from '../../src-shared/api/topics';

const KEY_PROBLEM = new Set(['host_key_unknown', 'host_key_mismatch']);
const tone = (s: string) =>
  s === 'ok'
    ? 'ok'
    : s === 'unknown'
      ? undefined
      : KEY_PROBLEM.has(s) || s === 'unreachable' || s === 'auth_failed'
        ? 'critical'
        : 'warning';

function AcceptKey({ h, onDone }: { h: HostView; onDone(): void }) {
  const [open, setOpen] = useState(false);
  const [who] = useOperator();
  const accept = useAction('hosts.acceptKey');
  const check = useAction('hosts.check');
  if (!h.seenFingerprint || !KEY_PROBLEM.has(h.status) || h.seenFingerprint === h.pinnedFingerprint) return null;
  return (
    <>
      <ActionButton action={accept} onClick={() => setOpen(true)} aria-label={`Accept host key of ${h.name}`}>
        Accept key…
      </ActionButton>
      <ErrorNote error={accept.error} />
      {open && (
        <Confirm
          title={`Trust this host key for ${h.name}?`}
          body={
            <>
              <p>
                {h.status === 'host_key_mismatch' ? (
                  <strong className="state-critical">The key changed. Accept only if you know why (reinstall, key rotation).</strong>
                ) : (
                  'Compare it with the key on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).'
                )}
              </p>
              {h.pinnedFingerprint && (
                <p>
                  Pinned now: <code>{h.pinnedFingerprint}</code>
                </p>
              )}
              <p>
                Presented: <code data-testid="presented-fingerprint">{h.seenFingerprint}</code>
              </p>
            </>
          }
          confirmLabel="Pin this key"
          busy={accept.pending}
          onCancel={() => setOpen(false)}
          onConfirm={() =>
            void accept.run({ host: h.name, fingerprint: h.seenFingerprint!, by: who.trim() || 'console' }).then((r) => {
              setOpen(false);
              // Connect again at once, so the status reflects the newly pinned key.
              if (r) void check.run({ host: h.name }).then(onDone);
            })
          }
        />
      )}
    </>
  );
}

function HostTable() {
  const q = useQuery('hosts.list', {}, { collections: [Collection.hosts], pollMs: 15_000 });
  const check = useAction('hosts.check');
  const now = useNow(5000);
  return (
    <Panel title="Hosts" testId="hosts">
      <ErrorNote error={q.error ?? check.error} />
      {q.data && q.data.hosts.length === 0 && <p className="muted">No hosts configured.</p>}
      {q.data && q.data.hosts.length > 0 && (
        <table aria-label="Hosts">
          <Head cols={['Host', 'Status', 'Host key', 'Inside health', 'Last check', '']} />
          <tbody>
            {q.data.hosts.map((h) => (
              <tr key={h.name}>
                <td>
                  <strong>{h.name}</strong>
                  <div className="muted">
                    {h.user}@{h.address}:{h.port}
                  </div>
                  {h.tags.length > 0 && <div className="muted">{h.tags.join(', ')}</div>}
                </td>
                <td className="wrap">
                  <Badge tone={tone(h.status)}>{h.status.replace(/_/g, ' ')}</Badge>
                  <div className="muted">{h.detail}</div>
                </td>
                <td className="wrap">
                  {h.pinnedFingerprint ? (
                    <>
                      <code>{h.pinnedFingerprint}</code> <span className="muted">(pinned from {h.pinnedFrom})</span>
                    </>
                  ) : (
                    <span className="muted">not pinned</span>
                  )}
                  {h.seenFingerprint && h.seenFingerprint !== h.pinnedFingerprint && (
                    <div>
                      presented: <code>{h.seenFingerprint}</code>
                    </div>
                  )}
                </td>
                <td className="wrap">{h.inside ? `${h.inside.status}: ${h.inside.detail}` : h.healthUrl ? 'not checked yet' : '—'}</td>
                <td>{relative(h.lastCheckAt, now)}</td>
                <td className="actions">
                  <ActionButton
                    action={check}

                    onClick={() => void check.run({ host: h.name }).then(() => q.refetch())}
                    aria-label={`Check ${h.name} now`}
                  >
                    Check now
                  </ActionButton>
                  <AcceptKey h={h} onDone={q.refetch} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

/** Type a command; the core's policy says at once whether it may run and why not. */
function DiagConsole() {
  const hosts = useQuery('hosts.list', {}, { collections: [Collection.hosts] });
  const [host, setHost] = useState('');
  const [command, setCommand] = useState('');
  const [who] = useOperator();
  const typed = useDebounced(command, 200);
  const chosen = host || hosts.data?.hosts[0]?.name || '';
  const verdict = useQuery('diag.check', { command: typed, ...(chosen ? { host: chosen } : {}) }, { enabled: typed.trim() !== '' });
  const run = useAction('diag.run');
  const [out, setOut] = useState<Awaited<ReturnType<typeof run.run>>>(null);
  const current = typed === command && verdict.data && !verdict.loading ? verdict.data : null;
  const submit = async () => {
    setOut(null);
    setOut(await run.run({ host: chosen, command, by: who.trim() || 'console' }));
  };
  return (
    <Panel title="Diagnostic console" testId="diag-console">
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (current?.allowed && chosen) void submit();
        }}
      >
        <label>
          Host
          <select value={chosen} onChange={(e) => setHost(e.target.value)} aria-label="Diagnostic host">
            {(hosts.data?.hosts ?? []).map((h) => (
              <option key={h.name}>{h.name}</option>
            ))}
          </select>
        </label>
        <label style={{ flex: 1, minWidth: 300 }}>
          Command
          <input
            value={command}
            onChange={(e) => setCommand(e.target.value)}
            aria-label="Diagnostic command"
            placeholder="e.g. systemctl is-active nginx"
            spellCheck={false}
            className="mono"
          />
        </label>
        <ActionButton action={run} className="primary" type="submit" disabled={!current?.allowed || !chosen}>
          {run.pending ? 'Running…' : 'Run'}
        </ActionButton>
      </form>
      <div data-testid="diag-verdict" aria-live="polite">
        {command.trim() === '' ? (
          <p className="muted">Only allowlisted read-only commands run; the verdict appears as you type.</p>
        ) : verdict.error ? (
          <ErrorNote error={verdict.error} />
        ) : !current ? (
          <p className="muted">Checking…</p>
        ) : current.allowed ? (
          <p>
            <span className="state-ok">Allowed</span> by template <code>{current.templateId}</code>; sends <code>{current.sent}</code>
          </p>
        ) : (
          <p>
            <span className="state-critical">Not allowed:</span> {current.reason}
          </p>
        )}
      </div>
      <ErrorNote error={run.error} />
      {out && (
        <div data-testid="diag-output">
          <p className="muted">
            {out.host} · {out.templateId} · exit {out.exitCode ?? '—'} · {out.durationMs} ms{out.truncated ? ' · output truncated' : ''}
          </p>
          <pre className="block">{out.stdout || '(no output)'}</pre>
          {out.stderr && <pre className="block state-warning">{out.stderr}</pre>}
        </div>
      )}
    </Panel>
  );
}

export function Hosts() {
  return (
    <section aria-labelledby="hosts-title">
      <PageHead id="hosts-title" title="Hosts" />
      <HostTable />
      <DiagConsole />
    </section>
  );
}
