import { Collection } from '../../src-shared/api/topics';
import { useOperator } from '../hooks/useOperator';
import { useAction, useQuery } from '../hooks/useQuery';
import { ErrorNote, Panel } from './ui';

type Doc = Record<string, unknown>;

/**
 * Sleep and wake (issue 18.6): `sleep.handOverCriticals` in vigil.yaml, written through config.save like the
 * Configuration forms (atomic write, reload, audited), so the file stays the one source of the setting.
 */
export function SleepSettings() {
  const q = useQuery('config.state', {}, { collections: [Collection.settings] });
  const save = useAction('config.save');
  const [who] = useOperator();
  const state = q.data;
  const sleep = (state?.document.sleep as Doc | undefined) ?? {};
  const on = sleep.handOverCriticals === true;
  const toggle = () =>
    state &&
    void save
      .run({
        document: { ...state.document, sleep: { ...sleep, handOverCriticals: !on } },
        baseText: state.text,
        by: who.trim() || 'console',
      })
      .then(() => q.refetch());
  return (
    <Panel title="Sleep and wake" testId="settings-sleep">
      <p className="muted">
        When this machine sleeps, Vigil stops its timers and tells the heartbeat (heartbeat.sleepUrl). On waking it reconnects SSH, checks
        hosts and probes again and runs what fell due once, marked late.
      </p>
      <ErrorNote error={q.error ?? save.error} />
      {state && (
        <label>
          <input type="checkbox" checked={on} disabled={!state.file || save.pending} onChange={toggle} /> Going to sleep hands every
          unacknowledged critical alert to its next escalation step at once (sleep.handOverCriticals), so someone awake gets it
          {!state.file && <span className="muted"> — start with --data-dir or --config to change it</span>}
        </label>
      )}
    </Panel>
  );
}
