import { useEffect, useRef, useState } from 'react';
import type { SessionState } from '../../src-shared/session';
import { dateTime } from '../format';
import { useMe } from '../hooks/useMe';
import { signOutHere } from '../store/session';
import './session.css';

/** "Signed in as <name> (<role>)" with Sign out, in the console's header (browser sessions only; R-PEOPLE-3). */
export function SessionMenu({ session }: { session: SessionState }) {
  const me = useMe();
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const name = me?.name ?? session.name;
  const role = me?.role ?? session.role;
  useEffect(() => {
    if (!open) return;
    const close = (e: Event) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);
  return (
    <div className="session-menu" ref={box} data-testid="session-menu">
      <button aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        signed in as <strong>{name}</strong> ({role}) ▾
      </button>
      {open && (
        <div role="menu" aria-label="Session" className="session-popup">
          <p className="muted" role="none">
            Signed in as <strong>{name}</strong>, {role}. Session ends {dateTime(session.expiresAt)}.
          </p>
          <button role="menuitem" onClick={() => void signOutHere()}>
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
