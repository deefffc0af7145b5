import { useEffect, useMemo, useRef, useState } from 'react';
import type { Matcher } from '../../src-shared/api/events';
import { formatMatcher } from '../../src-shared/matchers';
import { useAction, useQuery } from '../hooks/useQuery';
import { ActionButton, ErrorNote } from './ui';
import './silence-dialog.css';

/** Labels that name one instance of a problem, not the problem: unticked by default (R-ALERT-3). */
const INSTANCE_LIKE = /^(instance|pod|pod_name|host|hostname|node|nodename|container|container_id|ip|address|exported_instance|uid|id)$/i;

const DURATIONS = [
  { label: '1 hour', ms: 3_600_000 },
  { label: '2 hours', ms: 2 * 3_600_000 },
  { label: '4 hours', ms: 4 * 3_600_000 },
  { label: '1 day', ms: 86_400_000 },
];

/**
 * Silence from an alert or a group: one checkbox per label, the problem's
 * labels ticked and the instance's not, a live count of the firing alerts
 * it would cover, then create. The silence acts at once (core).
 */
export function SilenceDialog({
  labels,
  who,
  onClose,
  onCreated,
}: {
  labels: Record<string, string>;
  who: string;
  onClose(): void;
  onCreated(id: string, covers: number): void;
}) {
  const names = Object.keys(labels).sort();
  const [ticked, setTicked] = useState<Record<string, boolean>>(() => Object.fromEntries(names.map((n) => [n, !INSTANCE_LIKE.test(n)])));
  const [duration, setDuration] = useState(DURATIONS[1]!.ms);
  const [comment, setComment] = useState('');
  const first = useRef<HTMLInputElement>(null);
  const matchers: Matcher[] = useMemo(
    () => names.filter((n) => ticked[n]).map((n) => ({ name: n, op: '=' as const, value: labels[n]! })),
    [names, ticked, labels],
  );
  const preview = useQuery('alerts.list', { filter: matchers.map(formatMatcher) }, { enabled: matchers.length > 0 });
  const create = useAction('silences.create');
  useEffect(() => {
    first.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const submit = async () => {
    const s = await create.run({ matchers, endsAt: Date.now() + duration, createdBy: who, comment });
    if (s) onCreated(s.id, s.covers);
  };
  const covers = matchers.length ? (preview.data?.length ?? null) : 0;
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="silence-title">
        <h2 id="silence-title">Silence</h2>
        <div className="modal-body">
          <fieldset className="silence-labels">
            <legend>Match alerts with these labels</legend>
            {names.map((n, i) => (
              <label key={n} className="check">
                <input
                  ref={i === 0 ? first : undefined}
                  type="checkbox"
                  checked={!!ticked[n]}
                  onChange={(e) => setTicked((t) => ({ ...t, [n]: e.target.checked }))}
                />
                <code className="chip">
                  {n}="{labels[n]}"
                </code>
              </label>
            ))}
          </fieldset>
          <p className="muted" data-testid="silence-covers" role="status">
            {matchers.length === 0
              ? 'Tick at least one label.'
              : covers === null
                ? 'Counting…'
                : `Covers ${covers} alert${covers === 1 ? '' : 's'} firing now.`}
          </p>
          <div className="toolbar">
            <label>
              For
              <select value={duration} onChange={(e) => setDuration(Number(e.target.value))}>
                {DURATIONS.map((d) => (
                  <option key={d.ms} value={d.ms}>
                    {d.label}
                  </option>
                ))}
              </select>
            </label>
            <label style={{ flex: 1 }}>
              Comment
              <input value={comment} onChange={(e) => setComment(e.target.value)} placeholder="why (e.g. disk swap, JIRA-123)" />
            </label>
          </div>
          <ErrorNote error={create.error ?? preview.error} />
        </div>
        <div className="modal-actions">
          <button onClick={onClose}>Cancel</button>
          <ActionButton
            action={create}
            className="primary"
            disabled={!matchers.length || !comment.trim() || !who}
            onClick={() => void submit()}
          >
            Create silence
          </ActionButton>
        </div>
      </div>
    </div>
  );
}
