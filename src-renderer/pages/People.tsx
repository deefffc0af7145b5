import { useState } from 'react';
import { Role, type Person } from '../../src-shared/api/people';
import { Badge, Confirm, ErrorNote, Head, PageHead, Panel } from '../components/ui';
import { dateTime } from '../format';
import { useMe } from '../hooks/useMe';
import { useAction, useQuery } from '../hooks/useQuery';
import { Collection } from '../../src-shared/api/topics';

const ROLES = Role.options;
const ROLE_HELP: Record<Role, string> = {
  viewer: 'reads everything',
  responder: 'also acknowledges, silences, diagnoses, adds notes',
  approver: 'also decides heal and plan approvals',
  admin: 'also edits configuration, secrets and people',
};
// Every people and session change is audited, so the audit push is when this page refetches.
const REFRESH = { collections: [Collection.audit] };

/** A freshly issued personal token: shown once, never fetchable again (only its hash is kept). */
function TokenOnce({ issued, onDone }: { issued: { name: string; token: string; rotated: boolean }; onDone(): void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="banner banner-warning" role="status" data-testid="issued-token">
      <div>
        <p>
          {issued.rotated ? 'New' : 'Personal'} token for <strong>{issued.name}</strong>. It is shown only now: Vigil keeps just its hash.
          Hand it over privately; it signs in as {issued.name}.
        </p>
        <code className="token" aria-label={`Token for ${issued.name}`}>
          {issued.token}
        </code>
      </div>
      <button onClick={() => void navigator.clipboard?.writeText(issued.token).then(() => setCopied(true))}>
        {copied ? 'Copied' : 'Copy'}
      </button>
      <button onClick={onDone}>Done, hide it</button>
    </div>
  );
}

function AddPerson({ onIssued }: { onIssued(name: string, token: string): void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('responder');
  const [telegram, setTelegram] = useState('');
  const add = useAction('people.add');
  const submit = async () => {
    const r = await add.run({ name: name.trim(), role, ...(telegram.trim() ? { telegram: telegram.trim() } : {}) });
    if (!r) return;
    setName('');
    setTelegram('');
    onIssued(r.person.name, r.token);
  };
  return (
    <form
      className="toolbar"
      aria-label="Add a person"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. alice" spellCheck={false} />
      </label>
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <label>
        Telegram user id
        <input value={telegram} onChange={(e) => setTelegram(e.target.value)} placeholder="optional, digits" inputMode="numeric" />
      </label>
      <button type="submit" disabled={!name.trim() || add.pending}>
        Add person
      </button>
      <span className="muted">{ROLE_HELP[role]}</span>
      <ErrorNote error={add.error} />
    </form>
  );
}

type Pending = { kind: 'rotate' | 'remove'; name: string } | null;

function PersonRow({ p, me, onAsk, onChanged }: { p: Person; me: string; onAsk(what: Pending): void; onChanged(): void }) {
  const update = useAction('people.update');
  return (
    <tr data-testid={`person-${p.name}`}>
      <td>
        {p.name} {p.name === me && <Badge>you</Badge>}
      </td>
      <td>
        <select
          aria-label={`Role of ${p.name}`}
          value={p.role}
          disabled={update.pending}
          onChange={(e) => void update.run({ name: p.name, role: e.target.value as Role }).then(onChanged)}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <ErrorNote error={update.error} />
      </td>
      <td>{p.telegram ? <code>{p.telegram}</code> : <span className="muted">none</span>}</td>
      <td>{dateTime(p.tokenIssuedAt)}</td>
      <td className="toolbar">
        <button onClick={() => onAsk({ kind: 'rotate', name: p.name })} aria-label={`Rotate token of ${p.name}`}>
          Rotate token
        </button>
        <button className="danger" onClick={() => onAsk({ kind: 'remove', name: p.name })} aria-label={`Remove ${p.name}`}>
          Remove
        </button>
      </td>
    </tr>
  );
}

function Sessions() {
  const q = useQuery('sessions.list', {}, REFRESH);
  const revoke = useAction('sessions.revoke');
  const me = useMe();
  return (
    <Panel title="Browser sessions" testId="people-sessions">
      <ErrorNote error={q.error ?? revoke.error} />
      {q.data && q.data.length === 0 && <p className="muted">No open browser sessions.</p>}
      {q.data && q.data.length > 0 && (
        <table aria-label="Browser sessions">
          <Head cols={['Person', 'Signed in', 'Last seen', 'Expires', 'Browser', '']} />
          <tbody>
            {q.data.map((s) => (
              <tr key={s.id}>
                <td>
                  {s.person}
                  {s.id === me?.sessionId && <span className="muted"> (this browser)</span>}
                </td>
                <td>{dateTime(s.createdAt)}</td>
                <td>{dateTime(s.lastSeenAt)}</td>
                <td>{dateTime(s.expiresAt)}</td>
                <td className="wrap">{s.userAgent}</td>
                <td>
                  <button onClick={() => void revoke.run({ id: s.id }).then((r) => r && q.refetch())}>Revoke</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

/** People and their roles (R-PEOPLE-1): admins add, re-role, rotate and remove; a token is shown once. */
export function People() {
  const me = useQuery('me.get', {}, {});
  const admin = me.data?.role === 'admin';
  const list = useQuery('people.list', {}, { ...REFRESH, enabled: admin });
  const rotate = useAction('people.rotate');
  const remove = useAction('people.remove');
  const [issued, setIssued] = useState<{ name: string; token: string; rotated: boolean } | null>(null);
  const [asked, setAsked] = useState<Pending>(null);

  const confirm = async () => {
    if (!asked) return;
    if (asked.kind === 'rotate') {
      const r = await rotate.run({ name: asked.name });
      if (r) setIssued({ name: r.person.name, token: r.token, rotated: true });
    } else await remove.run({ name: asked.name });
    setAsked(null);
    list.refetch();
  };

  return (
    <section aria-labelledby="people-title">
      <PageHead id="people-title" title="People">
        {me.data && (
          <span className="muted" data-testid="signed-in-as">
            signed in as <strong>{me.data.name}</strong> ({me.data.role})
          </span>
        )}
      </PageHead>
      <ErrorNote error={me.error} />
      {me.data && !admin && (
        <p className="banner" role="status">
          People and their tokens are managed by admins. You are {me.data.name}, a {me.data.role}: {ROLE_HELP[me.data.role]}.
        </p>
      )}
      {admin && (
        <>
          {issued && <TokenOnce issued={issued} onDone={() => setIssued(null)} />}
          <Panel title="People" testId="people-list">
            <AddPerson onIssued={(name, token) => (setIssued({ name, token, rotated: false }), list.refetch())} />
            <ErrorNote error={list.error ?? rotate.error ?? remove.error} />
            {list.data && (
              <table aria-label="People">
                <Head cols={['Name', 'Role', 'Telegram', 'Token issued', '']} />
                <tbody>
                  {list.data.map((p) => (
                    <PersonRow key={p.name} p={p} me={me.data!.name} onAsk={setAsked} onChanged={list.refetch} />
                  ))}
                </tbody>
              </table>
            )}
          </Panel>
          <Sessions />
        </>
      )}
      {asked && (
        <Confirm
          title={asked.kind === 'rotate' ? `Rotate ${asked.name}'s token?` : `Remove ${asked.name}?`}
          body={
            asked.kind === 'rotate'
              ? `The current token and every browser session it opened stop working at once; the new token is shown once.`
              : `${asked.name}'s token and sessions stop working at once. Their past actions stay in the audit.`
          }
          confirmLabel={asked.kind === 'rotate' ? 'Rotate token' : 'Remove'}
          busy={rotate.pending || remove.pending}
          onConfirm={() => void confirm()}
          onCancel={() => setAsked(null)}
        />
      )}
    </section>
  );
}
