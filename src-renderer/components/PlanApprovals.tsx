import type { Plan, PlanApproval } from '../../src-shared/api';
import { dateTime, duration } from '../format';
import { useAction, useNow, useQuery } from '../hooks/useQuery';
import { Badge, ErrorNote, Head, Panel } from './ui';
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
      <p className="muted">
        Plan <strong>{a.planTitle}</strong> ({a.planId}) waits at step {a.step + 1}
        {plan ? ` of ${plan.steps.length}, created by ${plan.createdBy} (${plan.source})` : ''}.
      </p>
      {plan && (
        <ol className="results">
          {plan.steps.map((s) => (
            <li key={s.index}>
              <Badge tone={TONE[s.status]}>{s.status}</Badge> {s.type} <span className="muted">{JSON.stringify(s.params)}</span>
            </li>
          ))}
        </ol>
      )}
      <div className="toolbar">
        <button className="primary" disabled={!who.trim() || left <= 0 || decide.pending} onClick={() => void run('approve')}>
          Approve step
        </button>
        <button disabled={!who.trim() || decide.pending} onClick={() => void run('reject')}>
          Reject
        </button>
      </div>
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
                      <button
                        disabled={!who.trim() || cancel.pending}
                        onClick={() => void cancel.run({ id: p.id, by: who.trim() }).then(refetch)}
                        aria-label={`Cancel plan ${p.title}`}
                      >
                        Cancel
                      </button>
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
