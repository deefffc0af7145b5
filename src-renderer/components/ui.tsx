import { useEffect, useRef, useState, type ButtonHTMLAttributes, type ReactNode } from 'react';

/** The core's refusal or an unreachable core, in words. */
export function ErrorNote({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p className="error-note" role="alert">
      {error}
    </p>
  );
}

interface Guarded {
  pending?: boolean;
  denied: string | null;
}

/**
 * A button that runs an action: disabled while it runs and when the person's role may not run it, with the
 * reason as its tooltip (the core refuses such a call anyway; this says so before the click).
 */
export function ActionButton({ action, disabled, title, ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { action: Guarded }) {
  return <button {...rest} disabled={!!disabled || !!action.pending || !!action.denied} title={action.denied ?? title} />;
}

/** The first reason one of these actions is not the person's to take, as a line under them. */
export function DeniedNote({ actions }: { actions: readonly Guarded[] }) {
  const reason = actions.find((a) => a.denied)?.denied;
  if (!reason) return null;
  return (
    <p className="muted denied-note" role="note">
      {reason}.
    </p>
  );
}

export function PageHead({ id, title, children }: { id: string; title: string; children?: ReactNode }) {
  return (
    <header className="page-head">
      <h1 id={id}>{title}</h1>
      {children}
    </header>
  );
}

export function Panel({ title, children, actions, testId }: { title: string; children: ReactNode; actions?: ReactNode; testId?: string }) {
  return (
    <section className="panel" aria-label={title} data-testid={testId}>
      <header className="panel-head">
        <h2>{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Badge({ tone, children }: { tone?: string; children: ReactNode }) {
  return <span className={`badge${tone ? ` badge-${tone}` : ''}`}>{children}</span>;
}

/** Labels as name=value chips. */
export function Labels({ labels, max }: { labels: Record<string, string>; max?: number }) {
  const entries = Object.entries(labels);
  const shown = max === undefined ? entries : entries.slice(0, max);
  return (
    <span className="labels">
      {shown.map(([k, v]) => (
        <code key={k} className="chip">
          {k}={v}
        </code>
      ))}
      {shown.length < entries.length && <span className="muted">+{entries.length - shown.length}</span>}
    </span>
  );
}

/** A modal confirmation; Escape cancels, focus starts on Cancel (the safe choice). */
export function Confirm({
  title,
  body,
  confirmLabel,
  onConfirm,
  onCancel,
  busy,
}: {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
  busy?: boolean;
}) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancel.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onCancel();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
        <h2 id="confirm-title">{title}</h2>
        <div className="modal-body">{body}</div>
        <div className="modal-actions">
          <button ref={cancel} onClick={onCancel}>
            Cancel
          </button>
          <button className="danger" onClick={onConfirm} disabled={busy}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

/** A table header row; an empty name is an unlabelled actions column. */
export function Head({ cols }: { cols: readonly string[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c, i) => (
          <th key={i}>{c}</th>
        ))}
      </tr>
    </thead>
  );
}

/** Keyset paging newest first: a stack of `before` cursors, so "Newer" goes back exactly. */
export function usePages() {
  const [stack, setStack] = useState<number[]>([]);
  return {
    before: stack.length ? stack[stack.length - 1] : undefined,
    reset: () => setStack([]),
    pager: (next: number | null | undefined) => (
      <div className="toolbar" style={{ marginTop: 8 }}>
        <button disabled={!stack.length} onClick={() => setStack((b) => b.slice(0, -1))}>
          Newer
        </button>
        <button disabled={!next} onClick={() => next && setStack((b) => [...b, next])}>
          Older
        </button>
      </div>
    ),
  };
}
