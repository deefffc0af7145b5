import type { Plan, PlanApproval, PlanEvidence } from '../../src-shared/api';
import { dateTime, duration } from '../format';
import { useAction, useNow, useQuery } from '../hooks/useQuery';
import { navigate } from '../store';
import { ActionButton, Badge, DeniedNote, ErrorNote, Head, Panel } from './ui';
import { Collection } from '../../src-shared/api/topics';

const TONE: Record<string, string | undefined> = {
  succeeded: 'ok',
  approved: 'ok',
  running: 'accent',
  waiting: 'warning',
  pending: undefined,
  failed: 'critical',
  expired: 'warning',
  cancelled: undefined,
  rejected: undefined,
  skipped: undefined,
};

const EVIDENCE_LABEL: Record<PlanEvidence['kind'], string> = {
  triage: 'Triage',
  diagnosis: 'Diagnosis output',
  memory: 'Memory recalled',
  change: 'Suspected change',
  review: 'Change review',
};

/**
 * What the proposer saw, next to the command (R-LOOP-1): its triage, the
 * output of the read-only diagnostics already run (plan steps and the
 * agent's own tool calls), the memory it recalled and the change it suspects.
 */
function Evidence({ a, plan }: { a: PlanApproval; plan: Plan | undefined }) {
  const ran = (plan?.steps ?? [])
    .filter((s) => s.type === 'diagnose' && s.index < a.step && s.status === 'succeeded')
    .map((s) => ({ kind: 'diagnosis' as const, title: `${String(s.params.command)} on ${String(s.params.host)}`, body: s.result ?? '' }));
  const items = [...a.evidence.filter((e) => e.kind === 'triage'), ...ran, ...a.evidence.filter((e) => e.kind !== 'triage')];
  const forAlert = a.eventId !== null;
  return (
    <div data-testid="evidence">
      {items.map((e, k) => (
        <div key={k} data-kind={e.kind}>
          <h3 className="sub">
            {EVIDENCE_LABEL[e.kind]}: <span style={{ textTransform: 'none' }}>{e.title}</span>
          </h3>
          {e.body && <pre className="block">{e.body}</pre>}
        </div>
      ))}
      {forAlert && !items.some((e) => e.kind === 'memory') && <p className="muted">Memory: no past outcome of this alert recalled.</p>}
      {forAlert && !items.some((e) => e.kind === 'change') && <p className="muted">No change on its service or host before it fired.</p>}
    </div>
  );
}

function Subject({ a }: { a: PlanApproval }) {
  if (a.eventId)
    return (
      <>
        {' for alert '}
        <a href={`#/events/${encodeURIComponent(a.eventId)}`} onClick={(e) => (e.preventDefault(), navigate('events', a.eventId))}>
          {a.eventId}
        </a>
      </>
    );
  if (a.changeId)
    return (
      <>
        {' for change '}
        <code>{a.changeId}</code>
      </>
    );
  return null;
}

/** One ElephantAlpha HITL prompt (a plan's wait_for_approval step). The same prompt is in Telegram with buttons. */
function Prompt({ a, plan, who, onDone }: { a: PlanApproval; plan: Plan | undefined; who: string; onDone(): void }) {
  const now = useNow(1000);
  const decide = useAction('plans.decide');
  const left = a.expiresAt - now;
  const run = async (decision: 'approve' | 'reject') => {
    if (await decide.run({ approvalId: a.id, decision, by: who.trim() })) onDone();
  };
  return (
    <article className="panel approval" id={`approval-${a.id}`} tabIndex={-1} aria-label={`Plan prompt ${a.id}`} data-testid="plan-prompt">
      <header className="panel-head">
        <h2>{a.question}</h2>
        <span className={left < 60_000 ? 'state-critical' : 'muted'} aria-live="off">
          {left > 0 ? `expires in ${duration(left)}` : 'expired'}
        </span>
      </header>
      <p className="muted" data-testid="proposer">
        Plan <strong>{a.planTitle}</strong> ({a.planId}) waits at step {a.step + 1}
        {plan ? ` of ${plan.steps.length}` : ''}, proposed by <strong>{a.proposer}</strong>
        {plan ? ` (${plan.source})` : ''}
        <Subject a={a} />.
      </p>
      {a.commands.length > 0 ? (
        <>
          <p className="muted">
            Approving lets exactly {a.commands.length === 1 ? 'this command' : 'these commands'} run (AutoHeal checks still apply):
          </p>
          <pre className="block command" data-testid="command">
            {a.commands.join('\n')}
          </pre>
        </>
      ) : (
        <p className="muted">Approving this step runs no command on a host by itself.</p>
      )}
      <Evidence a={a} plan={plan} />
      {plan && (
        <details>
          <summary>{plan.steps.length === 1 ? "The plan's one step" : `All ${plan.steps.length} steps`}</summary>
          <ol className="results">
            {plan.steps.map((s) => (
              <li key={s.index}>
                <Badge tone={TONE[s.status]}>{s.status}</Badge> {s.type} <span className="muted">{JSON.stringify(s.params)}</span>
              </li>
            ))}
          </ol>
        </details>
      )}
      <div className="toolbar">
        <ActionButton action={decide} className="primary" disabled={!who.trim() || left <= 0} onClick={() => void run('approve')}>
          Approve step
        </ActionButton>
        <ActionButton action={decide} disabled={!who.trim()} onClick={() => void run('reject')}>
          Reject
        </ActionButton>
      </div>
      {!who.trim() && <p className="muted">Enter your name above to decide.</p>}
      <DeniedNote actions={[decide]} />
      <ErrorNote error={decide.error} />
    </article>
  );
}

/** ElephantAlpha on the Approvals page: pending plan prompts and recent plans. */
export function PlanApprovals({ who }: { who: string }) {
  const prompts = useQuery(
    'plans.approvals',
    { pendingOnly: true, limit: 50 },
    { collections: [Collection.plans, Collection.approvals], pollMs: 10_000 },
  );
  const plans = useQuery('plans.list', { limit: 50 }, { collections: [Collection.plans] });
  const cancel = useAction('plans.cancel');
  const byId = new Map((plans.data?.items ?? []).map((p) => [p.id, p]));
  const refetch = () => {
    prompts.refetch();
    plans.refetch();
  };
  return (
    <>
      <ErrorNote error={prompts.error} />
      {prompts.data?.items.map((a) => (
        <Prompt key={a.id} a={a} plan={byId.get(a.planId)} who={who} onDone={refetch} />
      ))}
      <Panel title="Action plans (ElephantAlpha)" testId="plans">
        <ErrorNote error={plans.error ?? cancel.error} />
        {plans.data && plans.data.items.length === 0 && <p className="muted">No plans yet.</p>}
        {plans.data && plans.data.items.length > 0 && (
          <table aria-label="Action plans">
            <Head cols={['Created', 'Plan', 'Status', 'Steps', 'Error', '']} />
            <tbody>
              {plans.data.items.map((p) => (
                <tr key={p.id}>
                  <td>{dateTime(p.createdAt)}</td>
                  <td>
                    {p.title} <span className="muted">· {p.createdBy}</span>
                  </td>
                  <td>
                    <Badge tone={TONE[p.status]}>{p.status}</Badge>
                  </td>
                  <td>{p.steps.map((s) => `${s.type}:${s.status}`).join(' → ')}</td>
                  <td className="wrap">{p.error ?? '—'}</td>
                  <td>
                    {['pending', 'running', 'waiting'].includes(p.status) && (
                      <ActionButton
                        action={cancel}
                        disabled={!who.trim()}
                        onClick={() => void cancel.run({ id: p.id, by: who.trim() }).then(refetch)}
                        aria-label={`Cancel plan ${p.title}`}
                      >
                        Cancel
                      </ActionButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}
