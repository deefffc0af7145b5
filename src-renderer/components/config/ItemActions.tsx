import { useState } from 'react';
import type { HostView } from '../../../src-shared/api';
import { useOperator } from '../../hooks/useOperator';
import { useAction } from '../../hooks/useQuery';
import { ActionButton, Badge, ErrorNote } from '../ui';

/** "Send test notification": through the outbox like any message; delivered or the channel's own error, word for word. */
export function TestChannel({ name }: { name: string }) {
  const test = useAction('channels.test');
  const [who] = useOperator();
  const r = useTestResult(test);
  return (
    <span className="toolbar">
      <ActionButton action={test} type="button" onClick={() => void r.run({ channel: name, by: who.trim() || 'console' })}>
        {test.pending ? 'Sending…' : 'Send test notification'}
      </ActionButton>
      {r.value && (
        <span role="status" data-testid={`test-result-${name}`}>
          {r.value.delivered ? (
            <>
              <Badge tone="ok">delivered</Badge>
              {r.value.to && <span> sent to {r.value.to}</span>}
            </>
          ) : (
            <>
              <Badge tone="critical">{r.value.state}</Badge> {r.value.to && <span>paging {r.value.to}: </span>}
              <span className="wrap">{r.value.error}</span>
            </>
          )}
        </span>
      )}
      <ErrorNote error={test.error} />
    </span>
  );
}

function useTestResult<T, I>(a: { run(i: I): Promise<T | null> }) {
  const [value, setValue] = useState<T | null>(null);
  return {
    value,
    run: async (i: I) => {
      setValue(null);
      setValue(await a.run(i));
    },
  };
}

/** "Probe now": one run of a configured probe and its verdict. */
export function ProbeNow({ name }: { name: string }) {
  const run = useAction('probes.run');
  const r = useTestResult(run);
  return (
    <span className="toolbar">
      <ActionButton action={run} type="button" onClick={() => void r.run({ probe: name })}>
        {run.pending ? 'Probing…' : 'Probe now'}
      </ActionButton>
      {r.value && (
        <span role="status" data-testid={`probe-result-${name}`}>
          <Badge tone={r.value.ok ? 'ok' : 'critical'}>{r.value.ok ? 'ok' : 'failing'}</Badge> {r.value.detail}
        </span>
      )}
      <ErrorNote error={run.error} />
    </span>
  );
}

/**
 * "Check connection": host key, authentication, then one allowlisted command (uptime).
 * A key seen for the first time is shown with its fingerprint and trusted only on confirmation.
 */
export function CheckHost({ name }: { name: string }) {
  const check = useAction('hosts.check');
  const accept = useAction('hosts.acceptKey');
  const diag = useAction('diag.run');
  const [who] = useOperator();
  const [view, setView] = useState<HostView | null>(null);
  const [output, setOutput] = useState<string | null>(null);
  const by = who.trim() || 'console';
  const run = async () => {
    setOutput(null);
    const v = await check.run({ host: name });
    setView(v);
    if (v?.status !== 'ok') return;
    const d = await diag.run({ host: name, command: 'uptime', by });
    if (d) setOutput(d.exitCode === 0 ? `uptime: ${d.stdout.trim()}` : `uptime exited ${d.exitCode}: ${d.stderr.trim()}`);
  };
  const firstUse = view && view.seenFingerprint && view.status === 'host_key_unknown';
  return (
    <span className="toolbar">
      <ActionButton action={check} type="button" disabled={diag.pending} onClick={() => void run()}>
        {diag.pending ? 'Checking…' : 'Check connection'}
      </ActionButton>
      {view && (
        <span role="status" data-testid={`host-result-${name}`}>
          <Badge tone={view.status === 'ok' ? 'ok' : 'critical'}>{view.status}</Badge> {view.status !== 'ok' && view.detail}{' '}
          {output && <code>{output}</code>}
        </span>
      )}
      {firstUse && (
        <span className="first-use" data-testid={`host-key-${name}`}>
          First connection: the host presented <code>{view.seenFingerprint}</code>. Compare it with{' '}
          <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code> on the host.{' '}
          <ActionButton
            action={accept}
            type="button"
            onClick={() =>
              void accept.run({ host: name, fingerprint: view.seenFingerprint!, by }).then((ok) => {
                if (ok) void run();
              })
            }
          >
            Trust this key
          </ActionButton>
        </span>
      )}
      <ErrorNote error={check.error ?? accept.error ?? diag.error} />
    </span>
  );
}
