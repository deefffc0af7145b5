import { Collection } from '../../src-shared/api/topics';
import { useEffect, useMemo, useState } from 'react';
import type { Alert, AlertGroup } from '../../src-shared/api/alerts';
import { ACK_MANY_MAX } from '../../src-shared/api/acks';
import type { NearbyChange } from '../../src-shared/api/changes';
import type { Severity } from '../../src-shared/constants';
import { formatMatcher, parseMatchers } from '../../src-shared/matchers';
import { ChangeLine } from '../components/NearbyChanges';
import { RecentChanges } from '../components/RecentChanges';
import { SilenceDialog } from '../components/SilenceDialog';
import { ActionButton, Badge, DeniedNote, ErrorNote, Labels, PageHead } from '../components/ui';
import { dateTime, relative } from '../format';
import { useDebounced, useDenied, useNow, useQuery } from '../hooks/useQuery';
import { useMe } from '../hooks/useMe';
import { navigate, useApp } from '../store';
import './alerts.css';

const SEVERITIES: Severity[] = ['critical', 'warning', 'info'];
const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
const only = (a: Alert, f: { unacked: boolean; mine: boolean; who: string }) =>
  (!f.unacked || !a.vigil.ack) && (!f.mine || a.vigil.ack?.by === f.who);

/** Labels every alert of the group shares (shown once, as pills), and what tells its alerts apart. */
function shared(g: AlertGroup): Record<string, string> {
  const [first, ...rest] = g.alerts;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first?.labels ?? {})) if (!(k in g.labels) && rest.every((a) => a.labels[k] === v)) out[k] = v;
  return out;
}
const own = (a: Alert, common: Record<string, string>, group: Record<string, string>) =>
  Object.fromEntries(Object.entries(a.labels).filter(([k]) => !(k in common) && !(k in group)));

/** Changes near each shown alert, by fingerprint (R-CHANGE-1). */
type Near = ReadonlyMap<string, NearbyChange[]>;
/** Asked for in one call; a storm's first NEAR_MAX alerts (in the page's order) are looked at. */
const NEAR_MAX = 1000;

/** The group's changes, each once: how many of its alerts it came before, and how long before the first of them. */
function groupChanges(g: AlertGroup, near: Near) {
  const by = new Map<string, { c: NearbyChange; alerts: number }>();
  for (const a of g.alerts)
    for (const c of near.get(a.fingerprint) ?? []) {
      const seen = by.get(c.id);
      if (!seen) by.set(c.id, { c, alerts: 1 });
      else by.set(c.id, { c: c.beforeMs < seen.c.beforeMs ? c : seen.c, alerts: seen.alerts + 1 });
    }
  return [...by.values()].sort((x, y) => y.c.at - x.c.at);
}

function Links({ a }: { a: Alert }) {
  const links = [
    ['runbook', a.annotations.runbook_url],
    ['dashboard', a.annotations.dashboard_url],
    ['source', a.generatorURL],
  ].filter((l): l is [string, string] => !!l[1] && /^https?:\/\//.test(l[1]));
  return (
    <span className="links">
      {links.map(([name, href]) => (
        <a key={name} href={href} target="_blank" rel="noreferrer noopener">
          {name}
        </a>
      ))}
    </span>
  );
}

function AlertRows({
  g,
  common,
  who,
  focus,
  onSilence,
  ack,
  near,
}: {
  g: AlertGroup;
  common: Record<string, string>;
  who: string;
  focus: string | null;
  onSilence(l: Record<string, string>): void;
  ack(a: Alert[]): void;
  near: Near;
}) {
  const now = useNow(10_000);
  const guard = useGuards();
  return (
    <table className="alert-rows" aria-label={`Alerts of ${Object.values(g.labels).join(' · ')}`}>
      <tbody>
        {g.alerts.map((a) => (
          <tr key={a.fingerprint} id={`alert-${a.fingerprint}`} className={a.fingerprint === focus ? 'focused' : undefined}>
            <td>
              <span className={`sev sev-${a.vigil.severity}`}>{a.vigil.severity}</span>
            </td>
            <td className="wrap">
              <Labels labels={own(a, common, g.labels)} />
              <div className="muted">{a.vigil.summary}</div>
              {near.get(a.fingerprint)?.map((c) => (
                <div key={c.id} className="alert-change" data-testid="alert-change">
                  changed: <ChangeLine c={c} />
                </div>
              ))}
            </td>
            <td title={dateTime(Date.parse(a.startsAt))}>{relative(Date.parse(a.startsAt), now)}</td>
            <td>
              {a.status.state === 'suppressed' && <Badge tone="accent">silenced</Badge>}
              {a.vigil.ack ? <Badge tone="ok">ack {a.vigil.ack.by}</Badge> : null}
              {a.vigil.escalated && <Badge tone="critical">escalated</Badge>}
            </td>
            <td>
              <Links a={a} />
            </td>
            <td className="actions">
              <ActionButton action={guard.ack} disabled={!!a.vigil.ack || !who} onClick={() => ack([a])}>
                Acknowledge
              </ActionButton>
              <ActionButton action={guard.silence} onClick={() => onSilence(a.labels)}>
                Silence…
              </ActionButton>
              <button className="link-button" onClick={() => navigate('events', a.vigil.lastEventId)}>
                Events
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Whether the person's role lets them acknowledge and silence (R-PEOPLE-1): the buttons say why not before a click. */
function useGuards() {
  // alerts.ackMany needs the same role; the refusal names the method a person knows from the API docs and the tray.
  return { ack: { denied: useDenied('alerts.ack') }, silence: { denied: useDenied('silences.create') } };
}

/** One alert group as a card (Karma's way): what, how many, how bad, since when, who has it. */
function GroupCard({
  g,
  who,
  open,
  focus,
  onToggle,
  onSilence,
  ack,
  near,
}: {
  g: AlertGroup;
  who: string;
  open: boolean;
  focus: string | null;
  onToggle(): void;
  onSilence(l: Record<string, string>): void;
  ack(a: Alert[]): void;
  near: Near;
}) {
  const now = useNow(10_000);
  const guard = useGuards();
  const common = useMemo(() => shared(g), [g]);
  const changes = useMemo(() => groupChanges(g, near), [g, near]);
  const worst = g.alerts.reduce<Severity>((w, a) => (RANK[a.vigil.severity] < RANK[w] ? a.vigil.severity : w), 'info');
  const since = Math.min(...g.alerts.map((a) => Date.parse(a.startsAt)));
  const unacked = g.alerts.filter((a) => !a.vigil.ack && a.vigil.status === 'firing');
  const acked = g.alerts.length - unacked.length;
  const silenced = g.alerts.filter((a) => a.status.state === 'suppressed').length;
  const escalated = g.alerts.filter((a) => a.vigil.escalated).length;
  const title = Object.values(g.labels).join(' · ') || 'alerts';
  const n = g.alerts.length;
  return (
    <article className={`alert-card sev-border-${worst}`} aria-label={`${title}: ${n} alert${n === 1 ? '' : 's'}`} data-testid="alert-card">
      <header className="alert-card-head">
        <span className={`sev sev-${worst}`}>{worst}</span>
        <h2>
          {title}{' '}
          <span className="count">
            · {n} alert{n === 1 ? '' : 's'}
          </span>
        </h2>
        <span className="muted" title={dateTime(since)}>
          firing {relative(since, now).replace(' ago', '')}
        </span>
      </header>
      <p className="alert-card-summary">{g.alerts[0]!.vigil.summary}</p>
      <div className="alert-card-meta">
        <Labels labels={{ ...g.labels, ...common }} />
        <Links a={g.alerts[0]!} />
      </div>
      {changes.length > 0 && (
        <ul className="plain alert-card-changes" data-testid="group-changes" aria-label="Changes before it fired">
          {changes.slice(0, 3).map(({ c, alerts: k }) => (
            <li key={c.id}>
              What changed: <ChangeLine c={c} extra={n > 1 ? `before ${k} of ${n} alerts` : undefined} />
            </li>
          ))}
          {changes.length > 3 && <li className="muted">+{changes.length - 3} more changes (show the alerts)</li>}
        </ul>
      )}
      <div className="alert-card-foot">
        <span className="states">
          {acked > 0 && <Badge tone="ok">{acked === n ? 'acknowledged' : `${acked} acknowledged`}</Badge>}
          {silenced > 0 && <Badge tone="accent">{silenced === n ? 'silenced' : `${silenced} silenced`}</Badge>}
          {escalated > 0 && <Badge tone="critical">{escalated} escalated</Badge>}
          {unacked.length > 0 && <Badge tone="warning">{unacked.length} unacknowledged</Badge>}
          <span className="muted">→ {g.receiver.name}</span>
        </span>
        <span className="actions">
          <button onClick={onToggle} aria-expanded={open}>
            {open ? 'Hide alerts' : `Show ${n} alert${n === 1 ? '' : 's'}`}
          </button>
          <ActionButton action={guard.ack} disabled={!unacked.length || !who} onClick={() => ack(unacked)}>
            Acknowledge {unacked.length > 1 ? `all ${unacked.length}` : ''}
          </ActionButton>
          <ActionButton action={guard.silence} onClick={() => onSilence({ ...g.labels, ...common })}>
            Silence group…
          </ActionButton>
        </span>
      </div>
      {open && <AlertRows g={g} common={common} who={who} focus={focus} onSilence={onSilence} ack={ack} near={near} />}
    </article>
  );
}

/**
 * The Alerts page (R-ALERT-4): what is firing, grouped by the route's
 * groupBy, as cards with counts; typed matchers and quick filters; bulk
 * acknowledge and silence. The landing page when anything fires.
 */
export function Alerts() {
  const client = useApp((s) => s.client);
  const detail = useApp((s) => s.detail);
  // Acks are recorded as the signed-in person (R-PEOPLE-2), so "mine" means that person.
  const who = useMe()?.name ?? '';
  const guards = useGuards();
  const [text, setText] = useState('');
  const [severity, setSeverity] = useState<'' | Severity>('');
  const [unacked, setUnacked] = useState(false);
  const [mine, setMine] = useState(false);
  const [showSilenced, setShowSilenced] = useState(true);
  const [open, setOpen] = useState<Record<string, boolean>>({});
  const [silence, setSilence] = useState<Record<string, string> | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [ackError, setAckError] = useState<string | null>(null);
  const typed = useDebounced(text, 250);
  const parsed = typed.trim() ? parseMatchers(typed) : ({ ok: true, matchers: [] } as const);
  const filter = [...(parsed.ok ? parsed.matchers.map(formatMatcher) : []), ...(severity ? [`severity="${severity}"`] : [])];
  const q = useQuery(
    'alerts.groups',
    { filter, silenced: showSilenced },
    { collections: [Collection.events, Collection.acks, Collection.silences], throttleMs: 2000, pollMs: 30_000 },
  );
  const groups = useMemo(
    () =>
      (q.data ?? []).map((g) => ({ ...g, alerts: g.alerts.filter((a) => only(a, { unacked, mine, who })) })).filter((g) => g.alerts.length),
    [q.data, unacked, mine, who],
  );
  const key = (g: AlertGroup) => `${g.receiver.name}|${JSON.stringify(g.labels)}`;
  // What changed before these alerts fired (R-CHANGE-1): one call for the page, refreshed when changes arrive.
  const subjects = useMemo(
    () =>
      groups
        .flatMap((g) => g.alerts)
        .slice(0, NEAR_MAX)
        .map((a) => ({ fingerprint: a.fingerprint, labels: a.labels, firedAt: Date.parse(a.startsAt) })),
    [groups],
  );
  const nq = useQuery('changes.nearAlerts', { alerts: subjects }, { collections: [Collection.changes], enabled: subjects.length > 0 });
  const near: Near = useMemo(() => new Map((nq.data?.items ?? []).map((i) => [i.fingerprint, i.changes])), [nq.data]);
  // A deep link (#/alerts/<fingerprint>, a notification click) opens the alert's group and shows the alert.
  useEffect(() => {
    if (!detail || !q.data) return;
    const g = q.data.find((x) => x.alerts.some((a) => a.fingerprint === detail));
    if (!g) return;
    setOpen((o) => ({ ...o, [key(g)]: true }));
    requestAnimationFrame(() => document.getElementById(`alert-${detail}`)?.scrollIntoView({ block: 'center' }));
  }, [detail, q.data]);

  const ack = async (list: Alert[]) => {
    if (!client) return;
    setAckError(null);
    const failed: string[] = [];
    // One call and one commit for a whole group (500 at a time), not a round trip per alert: quick during a storm too.
    for (let i = 0; i < list.length; i += ACK_MANY_MAX) {
      const fingerprints = list.slice(i, i + ACK_MANY_MAX).map((a) => a.fingerprint);
      const r = await client.call('alerts.ackMany', { fingerprints, by: who, via: 'console' });
      if (!r.ok) failed.push(...fingerprints.map(() => r.error.message));
      else failed.push(...r.value.failed.map((f) => f.message));
    }
    if (failed.length) setAckError(`${failed.length} not acknowledged: ${failed[0]}`);
    else setNote(`Acknowledged ${list.length} alert${list.length === 1 ? '' : 's'} as ${who}.`);
    q.refetch();
  };
  const total = groups.reduce((n, g) => n + g.alerts.length, 0);
  return (
    <section aria-labelledby="alerts-title">
      <PageHead id="alerts-title" title="Alerts">
        <p className="muted" data-testid="alerts-meta">
          {q.data ? `${total} alert${total === 1 ? '' : 's'} in ${groups.length} group${groups.length === 1 ? '' : 's'}` : 'Loading…'}
        </p>
      </PageHead>
      <div className="toolbar">
        <label style={{ flex: 1, minWidth: 260 }}>
          Matchers
          <input
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder='alertname=~"Disk.*", instance!="db1"'
            aria-invalid={!parsed.ok}
          />
        </label>
        <label>
          Severity
          <select value={severity} onChange={(e) => setSeverity(e.target.value as '' | Severity)}>
            <option value="">any</option>
            {SEVERITIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={unacked} onChange={(e) => setUnacked(e.target.checked)} /> Unacknowledged
        </label>
        <label className="check">
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Mine
        </label>
        <label className="check">
          <input type="checkbox" checked={showSilenced} onChange={(e) => setShowSilenced(e.target.checked)} /> Silenced
        </label>
        <NotifyButton />
      </div>
      <DeniedNote actions={[guards.ack, guards.silence]} />
      <ErrorNote error={parsed.ok ? (q.error ?? ackError) : parsed.message} />
      {note && (
        <p className="ok-note" role="status">
          {note}
        </p>
      )}
      {q.data && groups.length === 0 && <p className="muted">{q.data.length ? 'No alert matches these filters.' : 'Nothing is firing.'}</p>}
      <div className="alert-cards">
        {groups.map((g) => (
          <GroupCard
            key={key(g)}
            g={g}
            who={who}
            open={!!open[key(g)]}
            focus={detail}
            onToggle={() => setOpen((o) => ({ ...o, [key(g)]: !o[key(g)] }))}
            onSilence={setSilence}
            ack={(l) => void ack(l)}
            near={near}
          />
        ))}
      </div>
      <RecentChanges />
      {silence && (
        <SilenceDialog
          labels={silence}
          who={who}
          onClose={() => setSilence(null)}
          onCreated={(id, covers) => {
            setSilence(null);
            setNote(`Silence ${id.slice(0, 8)} created: it covers ${covers} alert${covers === 1 ? '' : 's'} now.`);
            q.refetch();
          }}
        />
      )}
    </section>
  );
}

/** Browser notifications for new critical alerts (headless console only; the desktop app has native ones). */
function NotifyButton() {
  const [perm, setPerm] = useState(() => (typeof Notification === 'undefined' || window.vigil ? 'unsupported' : Notification.permission));
  if (perm !== 'default') return null;
  return <button onClick={() => void Notification.requestPermission().then(setPerm)}>Notify me of critical alerts</button>;
}
