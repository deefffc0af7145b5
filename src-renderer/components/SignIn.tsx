import { useState } from 'react';
import { signIn } from '../api/client';
import { applySession } from '../store/session';
import { ErrorNote } from './ui';
import './session.css';

/**
 * The browser console's sign-in (R-PEOPLE-3): a personal token is exchanged once for the session cookie.
 * The token lives only in this field until it is sent; the page stores it nowhere.
 */
export function SignIn({ reason }: { reason: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <main className="center sign-in">
      <h1>Sign in to Vigil</h1>
      {reason && (
        <p className="notice-note" role="status" data-testid="sign-in-reason">
          {reason}
        </p>
      )}
      <form
        aria-label="Sign in"
        onSubmit={(e) => {
          e.preventDefault();
          setPending(true);
          void signIn(token.trim()).then((r) => {
            setPending(false);
            setToken('');
            if ('signedIn' in r) applySession(r);
            else setError(r.signedOut);
          });
        }}
      >
        <label className="field">
          Personal token
          <input
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="vgp_…"
            required
            autoFocus
          />
        </label>
        <ErrorNote error={error} />
        <button className="primary" type="submit" disabled={pending || !token.trim()}>
          Sign in
        </button>
      </form>
      <p className="muted">
        Your personal token comes from <code>vigil user add</code> or from an admin on the People page; the first admin&apos;s is the file{' '}
        <code>token</code> in the data dir. You stay signed in until the session expires, you sign out, or an admin ends it.
      </p>
    </main>
  );
}
