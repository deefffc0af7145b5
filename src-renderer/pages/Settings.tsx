import { useState } from 'react';
import { ActionButton, Badge, Confirm, ErrorNote, Head, PageHead, Panel } from '../components/ui';
import { dateTime } from '../format';
import { useOperator } from '../hooks/useOperator';
import { useAction, useQuery } from '../hooks/useQuery';
import { useApp } from '../store';
import { AgentSettings } from '../components/AgentSettings';
import { ConfigSettings, SecretsSettings } from '../components/SecretsSettings';
import { Collection } from '../../src-shared/api/topics';
import { RetentionSettings } from '../components/RetentionSettings';
import { ConfigEditor } from '../components/config/ConfigEditor';
import { TeamSettings } from '../components/TeamSettings';
import { SleepSettings } from '../components/SleepSettings';
import { useTeamStatus } from '../hooks/useTeam';

function Notifications() {
  const paused = useApp((s) => s.status?.notificationsPausedUntil ?? null);
  const pause = useAction('notifications.pause');
  const [minutes, setMinutes] = useState(30);
  // Connected to a team server, a pause is this person's own (R-TEAM-3); otherwise it is this Vigil's desktop channel.
  const team = useTeamStatus();
  const who = team?.mode === 'connected' ? (team.person?.name ?? 'you') : null;
  return (
    <Panel title="Desktop notifications" testId="settings-notifications">
      <p data-testid="pause-scope">
        {who
          ? `Pausing stops only your own desktop notices (${who}) from the team server; everyone else is still notified, and alerts still reach every channel.`
          : 'Pausing stops the desktop notices of this Vigil, for every console and desktop it notifies; events are still stored and sent to the other channels.'}
      </p>
      <p>
        {paused ? (
          <>
            Paused until <strong>{dateTime(paused)}</strong>.
          </>
        ) : (
          'On.'
        )}
      </p>
      <div className="toolbar">
        <label>
          Pause for
          <select value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} aria-label="Pause duration">
            {[15, 30, 60, 120, 480].map((m) => (
              <option key={m} value={m}>
                {m < 60 ? `${m} minutes` : `${m / 60} hour(s)`}
              </option>
            ))}
          </select>
        </label>
        <ActionButton action={pause} onClick={() => void pause.run({ minutes })}>
          Pause
        </ActionButton>
        {paused && (
          <ActionButton action={pause} onClick={() => void pause.run({ minutes: 0 })}>
            Resume now
          </ActionButton>
        )}
      </div>
      <ErrorNote error={pause.error} />
    </Panel>
  );
}

function AutoHeal() {
  const q = useQuery('heal.killSwitch.get', {}, { collections: [Collection.heal] });
  const set = useAction('heal.killSwitch.set');
  const [who] = useOperator();
  const [reason, setReason] = useState('');
  const [confirm, setConfirm] = useState(false);
  const ks = q.data;
  return (
    <Panel title="AutoHeal kill switch" testId="settings-killswitch">
      <ErrorNote error={q.error ?? set.error} />
      {ks && (
        <>
          <p>
            AutoHeal is <strong className={ks.on ? 'state-critical' : 'state-ok'}>{ks.on ? 'stopped' : 'running'}</strong>
            {ks.on && (
              <span className="muted">
                {' '}
                · {ks.source === 'config' ? 'by the config (heal.killSwitch: true)' : `by ${ks.by ?? 'someone'}`}
              </span>
            )}
          </p>
          <div className="toolbar">
            <label style={{ flex: 1 }}>
              Reason
              <input
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                aria-label="Kill switch reason"
                placeholder="recorded in the audit log"
              />
            </label>
            <ActionButton
              action={set}
              className={ks.on ? undefined : 'danger'}
              onClick={() => setConfirm(true)}
              disabled={ks.on && ks.source === 'config'}
            >
              {ks.on ? 'Resume AutoHeal…' : 'Stop AutoHeal…'}
            </ActionButton>
          </div>
          {confirm && (
            <Confirm
              title={ks.on ? 'Resume AutoHeal?' : 'Stop AutoHeal?'}
              body={
                <p>
                  {ks.on ? 'Approved heal actions will run again.' : 'No heal action runs until it is resumed, even an approved one.'} This
                  is audited.
                </p>
              }
              confirmLabel={ks.on ? 'Resume' : 'Stop AutoHeal'}
              busy={set.pending}
              onCancel={() => setConfirm(false)}
              onConfirm={() =>
                void set.run({ on: !ks.on, by: who.trim() || 'console', reason: reason.trim() }).then(() => {
                  setConfirm(false);
                  q.refetch();
                })
              }
            />
          )}
        </>
      )}
    </Panel>
  );
}

function Channels() {
  const q = useQuery('outbox.channels', {}, { collections: [Collection.outbox] });
  return (
    <Panel title="Notification channels" testId="settings-channels">
      <p className="muted">From the config file; add, change and test them under Configuration below.</p>
      <ErrorNote error={q.error} />
      {q.data && (
        <table aria-label="Configured channels">
          <Head cols={['Name', 'Type', 'State']} />
          <tbody>
            {q.data.channels.map((c) => (
              <tr key={c.name}>
                <td>{c.name}</td>
                <td>{c.type}</td>
                <td>
                  <Badge tone={c.state === 'ok' ? 'ok' : c.state === 'failing' ? 'critical' : undefined}>{c.state}</Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

export function Settings() {
  return (
    <section aria-labelledby="settings-title">
      <PageHead id="settings-title" title="Settings" />
      <TeamSettings />
      <Notifications />
      <AutoHeal />
      <SleepSettings />
      <Channels />
      <ConfigEditor />
      <AgentSettings />
      <SecretsSettings />
      <ConfigSettings />
      <RetentionSettings />
    </section>
  );
}
