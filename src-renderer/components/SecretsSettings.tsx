import { useRef, useState } from 'react';
import type { SecretInfo } from '../../src-shared/api';
import { useOperator } from '../hooks/useOperator';
import { useAction, useQuery } from '../hooks/useQuery';
import { ActionButton, Badge, ErrorNote, Head, Panel } from './ui';
import { Collection } from '../../src-shared/api/topics';

const SOURCE: Record<string, string> = { env: 'environment', file: 'secrets.json (0600)', keychain: 'OS keychain' };
const envName = (name: string) => `VIGIL_SECRET_${name.toUpperCase().replace(/-/g, '_')}`;

/**
 * One secret: state and a write-only password field. The field is
 * uncontrolled (React would mirror a controlled value into the DOM) and is
 * emptied after a save; the value is never read back from the core.
 */
function SecretRow({ s, onSaved }: { s: SecretInfo; onSaved(): void }) {
  const input = useRef<HTMLInputElement>(null);
  const [filled, setFilled] = useState(false);
  const [saved, setSaved] = useState(false);
  const [who] = useOperator();
  const set = useAction('secrets.set');
  const save = async () => {
    const el = input.current;
    if (!el || !el.value) return;
    const r = await set.run({ name: s.name, value: el.value, by: who.trim() || 'console' });
    if (!r) return;
    el.value = '';
    setFilled(false);
    setSaved(true);
    onSaved();
  };
  const fromEnv = s.source === 'env';
  return (
    <tr data-testid={`secret-${s.name}`}>
      <td>
        <code>{s.name}</code>
      </td>
      <td className="wrap">{s.usedBy.join(', ')}</td>
      <td>
        <Badge tone={s.set ? 'ok' : 'warning'}>{s.set ? 'set' : 'not set'}</Badge>
        {s.source && <span className="muted"> {SOURCE[s.source]}</span>}
      </td>
      <td>
        {fromEnv ? (
          <span className="muted">
            change <code>{envName(s.name)}</code> where Vigil runs
          </span>
        ) : (
          <form
            className="toolbar"
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <input
              ref={input}
              type="password"
              autoComplete="new-password"
              spellCheck={false}
              aria-label={`New value for ${s.name}`}
              placeholder={s.set ? 'replace…' : 'enter…'}
              onInput={(e) => {
                setFilled(e.currentTarget.value.length > 0);
                setSaved(false);
              }}
            />
            <ActionButton action={set} type="submit" aria-label={`Save ${s.name}`} disabled={!filled}>
              Save
            </ActionButton>
            {saved && (
              <span className="ok-note" role="status">
                saved
              </span>
            )}
          </form>
        )}
        <ErrorNote error={set.error} />
      </td>
    </tr>
  );
}

/** Secrets the config references: set or not and where from; entered here, never shown back. */
export function SecretsSettings() {
  const q = useQuery('secrets.list', {}, { collections: [Collection.settings] });
  const where = useQuery('settings.get', {}, {});
  const store = where.data?.secretStore;
  return (
    <Panel title="Secrets" testId="settings-secrets">
      <p className="muted">
        {store === 'keychain'
          ? 'Saved values are encrypted with the OS keychain (never a plain-text fallback).'
          : store === 'file'
            ? 'Saved values go to secrets.json in the data directory, readable by this user only (0600).'
            : 'This Vigil has no writable secret store: set them in its environment.'}{' '}
        A value is write-only: once saved it is never shown again, only whether it is set.
      </p>
      <ErrorNote error={q.error} />
      {q.data && q.data.secrets.length === 0 && <p className="muted">The config references no secrets.</p>}
      {q.data && q.data.secrets.length > 0 && (
        <table aria-label="Secrets">
          <Head cols={['Name', 'Used by', 'State', 'New value']} />
          <tbody>
            {q.data.secrets.map((s) => (
              <SecretRow key={s.name} s={s} onSaved={q.refetch} />
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

/** What vigil.yaml configures (read-only): channels with their non-secret fields, routes, providers. */
export function ConfigSettings() {
  const q = useQuery('settings.get', {}, { collections: [Collection.settings] });
  const s = q.data;
  return (
    <Panel title="Configuration in force" testId="settings-config">
      <ErrorNote error={q.error} />
      {s && (
        <>
          <dl className="facts">
            <dt>Config</dt>
            <dd>
              <code>{s.configSource}</code>{' '}
              <span className="muted">(edit it under Configuration above or in the file; vigil config check validates it)</span>
            </dd>
            <dt>Data directory</dt>
            <dd>{s.dataDir ? <code>{s.dataDir}</code> : <span className="muted">in memory</span>}</dd>
            <dt>LLM provider</dt>
            <dd data-testid="settings-llm">
              {s.llm ? (
                <>
                  {s.llm.provider} {s.llm.baseUrl && <code>{s.llm.baseUrl}</code>} · models <code>{s.llm.models.join(' → ')}</code> · key{' '}
                  {s.llm.apiKeySecret ? <code>{s.llm.apiKeySecret}</code> : <span className="muted">none</span>}
                </>
              ) : (
                <span className="muted">none (Hermes rules triage every event)</span>
              )}
            </dd>
            <dt>Embeddings</dt>
            <dd>
              {s.embeddings.provider === 'none' ? (
                <span className="muted">none (keyword search)</span>
              ) : (
                <>
                  {s.embeddings.provider} <code>{s.embeddings.model}</code> at <code>{s.embeddings.baseUrl}</code>
                </>
              )}
            </dd>
          </dl>
          <table aria-label="Channel settings">
            <Head cols={['Channel', 'Type', 'Settings']} />
            <tbody>
              {s.channels.map((c) => (
                <tr key={c.name}>
                  <td>{c.name}</td>
                  <td>{c.type}</td>
                  <td className="wrap">
                    <span className="labels">
                      {Object.entries(c.fields).map(([k, v]) => (
                        <code key={k} className="chip">
                          {k}: {v}
                        </code>
                      ))}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <table aria-label="Routes">
            <Head cols={['Match', 'Channels', 'Group by', 'Escalation steps']} />
            <tbody>
              {s.routes.map((r, i) => (
                <tr key={i}>
                  <td>
                    {Object.keys(r.match).length === 0 ? (
                      <span className="muted">everything</span>
                    ) : (
                      Object.entries(r.match)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(', ')
                    )}
                    {r.continue && <span className="muted"> (continue)</span>}
                  </td>
                  <td>{r.channels.join(', ')}</td>
                  <td>{r.groupBy.join(', ')}</td>
                  <td>{r.escalationSteps}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Panel>
  );
}
