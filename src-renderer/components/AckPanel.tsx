import { useState } from 'react';
import type { AckInfo } from '../../src-shared/api';
import { dateTime, duration } from '../format';
import { useOperator } from '../hooks/useOperator';
import { useAction, useQuery } from '../hooks/useQuery';
import { ActionButton, Badge, DeniedNote, ErrorNote } from './ui';
import { Collection } from '../../src-shared/api/topics';

const STEP_TONE = { armed: 'warning', fired: 'critical', cancelled: undefined } as const;

function Escalations({ info }: { info: AckInfo }) {
  if (!info.escalations.length) return <p className="muted">No escalation chain for this firing.</p>;
  return (
    <table className="trace" aria-label="Escalation steps" data-testid="escalations">
      <thead>
        <tr>
          <th>Step</th>
          <th>After</th>
          <th>To</th>
          <th>State</th>
        </tr>
      </thead>
      <tbody>
        {info.escalations.map((s) => (
          <tr key={s.step}>
            <td>{s.step}</td>
            <td>{duration(s.afterMs)}</td>
            <td>{s.channels.join(', ')}</td>
            <td>
              <Badge tone={STEP_TONE[s.state]}>{s.state}</Badge>{' '}
              {s.state === 'fired' && (
                <>
                  at {dateTime(s.firedAt)}
                  {s.late && <> (late: {s.lateReason})</>}
                  {!s.late && s.lateReason && <> (early: {s.lateReason})</>}
                </>
              )}
              {s.state === 'armed' && <>due {dateTime(s.dueAt)}</>}
              {s.state === 'cancelled' && s.cancelReason && <span className="muted">{s.cancelReason}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * R-ROUTE-8 / R-NOTIFY-5 in the event detail: who acknowledged the alert,
 * when and with what notes; acknowledge, withdraw, add a note; and whether
 * (and where) it was escalated.
 */
export function AckPanel({ fingerprint }: { fingerprint: string }) {
  const q = useQuery('alerts.ackInfo', { fingerprint }, { collections: [Collection.acks, Collection.events], throttleMs: 1000 });
  const ack = useAction('alerts.ack');
  const unack = useAction('alerts.unack');
  const addNote = useAction('alerts.addNote');
  const [by, setBy, signedIn] = useOperator();
  const [note, setNote] = useState('');
  const info = q.data;
  const who = by.trim();
  const done = (r: unknown) => {
    if (!r) return;
    setNote('');
    q.refetch();
  };
  if (q.error) return <ErrorNote error={q.error} />;
  if (!info) return <p className="muted">Loading…</p>;
  return (
    <div data-testid="ack-panel">
      <p>
        {info.acknowledged && info.ack ? (
          <>
            <Badge tone="ok">acknowledged</Badge> by <strong>{info.ack.by}</strong> ({info.ack.via}) at {dateTime(info.ack.at)}
            {info.ack.note && <> — “{info.ack.note}”</>}
          </>
        ) : (
          <Badge tone={info.status === 'firing' ? 'warning' : undefined}>
            {info.status === 'firing' ? 'not acknowledged' : (info.status ?? 'unknown')}
          </Badge>
        )}
        {info.escalated && (
          <>
            {' '}
            <Badge tone="critical">escalated</Badge>
          </>
        )}
      </p>
      <div className="toolbar">
        {!signedIn && <input aria-label="Your name" placeholder="your name" value={by} onChange={(e) => setBy(e.target.value)} />}
        <input aria-label="Note" placeholder="note (optional)" value={note} onChange={(e) => setNote(e.target.value)} />
        {info.status === 'firing' && !info.acknowledged && (
          <ActionButton
            className="primary"
            action={ack}
            disabled={!who}
            onClick={() => void ack.run({ fingerprint, by: who, via: 'console', ...(note.trim() ? { note: note.trim() } : {}) }).then(done)}
          >
            Acknowledge
          </ActionButton>
        )}
        {info.acknowledged && (
          <ActionButton action={unack} disabled={!who} onClick={() => void unack.run({ fingerprint, by: who, via: 'console' }).then(done)}>
            Un-acknowledge
          </ActionButton>
        )}
        <ActionButton
          action={addNote}
          disabled={!who || !note.trim()}
          onClick={() => void addNote.run({ fingerprint, by: who, note: note.trim(), via: 'console' }).then(done)}
        >
          Add note
        </ActionButton>
      </div>
      <DeniedNote actions={[ack, addNote]} />
      <ErrorNote error={ack.error ?? unack.error ?? addNote.error} />
      {info.history.length > 0 && (
        <ul className="plain" data-testid="ack-history">
          {info.history.map((h, i) => (
            <li key={i}>
              <span className="muted">{dateTime(h.at)}</span> <Badge>{h.action}</Badge> {h.by} <span className="muted">({h.via})</span>
              {h.note && <> — {h.note}</>}
            </li>
          ))}
        </ul>
      )}
      <h4>Escalation</h4>
      <Escalations info={info} />
    </div>
  );
}
