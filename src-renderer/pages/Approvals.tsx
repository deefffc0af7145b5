import { useEffect, useState } from 'react';
import type { Approval } from '../../src-shared/api';
import { PlanApprovals } from '../components/PlanApprovals';
import { ActionButton, Badge, Confirm, DeniedNote, ErrorNote, Head, PageHead, Panel } from '../components/ui';
import { dateTime, duration } from '../format';
import { useOperator } from '../hooks/useOperator';
import { useMe } from '../hooks/useMe';
import { useAction, useNow, useQuery } from '../hooks/useQuery';
import { navigate, useApp } from '../store';
import { Collection } from '../../src-shared/api/topics';

const TONE: Record<string, string | undefined> = {
  executed: 'ok',
  approved: 'ok',
  rejected: undefined,
  expired: 'warning',
  failed: 'critical',
  denied: 'critical',
};

function Pending({ a, who, onDone }: { a: Approval; who: string; onDone(): void }) {
  const now = useNow(1000);
  const [reason, setReason] = useState('');
  const [confirm, setConfirm] = useState<'approve' | 'reject' | null>(null);
  const decide = useAction('approvals.decide');
  const left = a.expiresAt - now;
  const run = async (decision: 'approve' | 'reject') => {
    const r = await decide.run({ id: a.id, decision, by: who.trim(), reason: reason.trim() });
    setConfirm(null);
    if (r) onDone();
  };
  return (
    <article
      className="panel approval"
      id={`approval-${a.id}`}
      tabIndex={-1}
      aria-label={`Approval ${a.id}`}
      data-testid="pending-approval"
    >
      <header className="panel-head">
        <h2>
          {a.action.replace(/_/g, ' ')} <code>{a.target}</code> on <strong>{a.host}</strong>
        </h2>
        <span className={left < 60_000 ? 'state-critical' : 'muted'} data-testid="expiry" aria-live="off">
          {left > 0 ? `expires in ${duration(left)}` : 'expired'}
        </span>
      </header>
      <p className="muted">The exact command that will run on {a.host}:</p>
      <pre className="block command" data-testid="command">
        {a.command}
      </pre>
      <dl className="facts">
        <dt>Why</dt>
        <dd>{a.reason}</dd>
        <dt>Proposed by</dt>
        <dd>
          {a.proposedBy} ({a.source}) · {dateTime(a.createdAt)}
        </dd>
        {a.eventId && (
          <>
            <dt>Event</dt>
            <dd>
              <a href={`#/events/${encodeURIComponent(a.eventId)}`} onClick={(e) => (e.preventDefault(), navigate('events', a.eventId))}>
                {a.eventId}
              </a>
            </dd>
          </>
        )}
        <dt>Bound to</dt>
        <dd>
          <code>{a.paramHash.slice(0, 16)}</code>{' '}
          <span className="muted">(action, host, target and parameters; any change needs a new approval)</span>
        </dd>
      </dl>
      <div className="toolbar" style={{ marginTop: 10 }}>
        <label style={{ flex: 1 }}>
          Reason
          <input
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            aria-label={`Reason for ${a.id}`}
            placeholder="why you approve or reject"
          />
        </label>
        <ActionButton action={decide} className="primary" disabled={!who.trim() || left <= 0} onClick={() => setConfirm('approve')}>
          Approve…
        </ActionButton>
        <ActionButton action={decide} disabled={!who.trim()} onClick={() => setConfirm('reject')}>
          Reject…
        </ActionButton>
      </div>
      {!who.trim() && <p className="muted">Enter your name above to decide.</p>}
      <DeniedNote actions={[decide]} />
      <ErrorNote error={decide.error} />
      {confirm && (
        <Confirm
          title={confirm === 'approve' ? `Run this on ${a.host}?` : 'Reject this action?'}
          body={
            <>
              <pre className="block">{a.command}</pre>
              <p>
                {confirm === 'approve' ? 'It runs once, now, as ' : 'Nothing runs. Recorded as '}
                <strong>{who}</strong>
                {reason.trim() ? ` with the reason “${reason.trim()}”.` : ' without a reason.'}
              </p>
            </>
          }
          confirmLabel={confirm === 'approve' ? 'Approve and run' : 'Reject'}
          busy={decide.pending}
          onCancel={() => setConfirm(null)}
          onConfirm={() => void run(confirm)}
        />
      )}
    </article>
  );
}

function KillSwitch() {
  const q = useQuery('heal.killSwitch.get', {}, { collections: [Collection.heal], pollMs: 15_000 });
  if (!q.data) return <ErrorNote error={q.error} />;
  return (
    <p className={`banner ${q.data.on ? 'banner-critical' : ''}`} data-testid="kill-switch">
      AutoHeal is <strong>{q.data.on ? 'stopped by the kill switch' : 'running'}</strong>
      {q.data.on && q.data.by && (
        <span className="muted">
          {' '}
          · by {q.data.by} ({q.data.source})
        </span>
      )}
    </p>
  );
}

function History() {
  const q = useQuery('approvals.history', { limit: 100 }, { collections: [Collection.approvals] });
  return (
    <Panel title="Decisions" testId="approval-history">
      <ErrorNote error={q.error} />
      {q.data && q.data.approvals.length === 0 && <p className="muted">No decisions yet.</p>}
      {q.data && q.data.approvals.length > 0 && (
        <table aria-label="Approval history">
          <Head cols={['Proposed', 'Action', 'Host', 'Status', 'Decided by', 'Reason', 'Outcome']} />
          <tbody>
            {q.data.approvals.map((a) => (
              <tr key={a.id}>
                <td>{dateTime(a.createdAt)}</td>
                <td>
                  {a.action} <code>{a.target}</code>
                </td>
                <td>{a.host}</td>
                <td>
                  <Badge tone={TONE[a.status]}>{a.status}</Badge>
                </td>
                <td>{a.decidedBy ? `${a.decidedBy} · ${dateTime(a.decidedAt)}` : '—'}</td>
                <td className="wrap">{a.decisionReason || '—'}</td>
                <td className="wrap">{a.outcome ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

export function Approvals() {
  const q = useQuery('approvals.list', {}, { collections: [Collection.approvals], pollMs: 10_000 });
  const [who, setWho, signedIn] = useOperator();
  // Until me.get answers it is not known whether a name box shows: render neither, and scroll only then,
  // or the box appearing and going shifts the page under the approval just scrolled to.
  const known = useMe() !== null;
  const pending = q.data?.approvals.filter((a) => a.status === 'pending') ?? [];
  // Opened on one approval (tray menu, #/approvals/<id>): bring it into view and focus it once it has
  // rendered (heal approvals and plan prompts load separately, so look for a few seconds).
  const detail = useApp((s) => s.detail);
  useEffect(() => {
    if (!detail || !known) return;
    let tries = 0;
    const timer = setInterval(() => {
      const el = document.getElementById(`approval-${detail}`);
      if (el) {
        el.scrollIntoView({ block: 'start' });
        el.focus();
      }
      if (el || ++tries > 30) clearInterval(timer);
    }, 100);
    return () => clearInterval(timer);
  }, [detail, known]);
  return (
    <section aria-labelledby="approvals-title">
      <PageHead id="approvals-title" title="Approvals">
        <p className="muted">Heal actions wait here for a person. Each runs exactly the command shown, once.</p>
      </PageHead>
      <KillSwitch />
      {!known ? null : signedIn ? (
        <p className="muted" data-testid="decider">
          Decisions are recorded as <strong>{who}</strong>.
        </p>
      ) : (
        <div className="toolbar">
          <label>
            Your name
            <input value={who} onChange={(e) => setWho(e.target.value)} aria-label="Your name" placeholder="recorded with each decision" />
          </label>
        </div>
      )}
      <ErrorNote error={q.error} />
      {q.data && pending.length === 0 && <p className="muted">No heal action is waiting for a decision.</p>}
      {pending.map((a) => (
        <Pending key={a.id} a={a} who={who} onDone={q.refetch} />
      ))}
      <PlanApprovals who={who} />
      <History />
    </section>
  );
}
