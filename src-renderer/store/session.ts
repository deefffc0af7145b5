import { httpClient, signOut, type SessionOutcome } from '../api/client';
import { NOT_SIGNED_IN } from '../../src-shared/session';
import { dateTime } from '../format';
import { connect, useApp } from './index';

/** The live browser transport, closed when the session ends so nothing keeps calling with a dead cookie. */
let live: { close(): void } | null = null;

/** Signed in: open the transport and the pushes. Signed out (or refused): show the sign-in page with the reason. */
export function applySession(outcome: SessionOutcome): void {
  live?.close();
  live = null;
  if ('signedOut' in outcome) return endSession(outcome.signedOut);
  const client = httpClient((reason) => endSession(reason));
  const disconnect = connect(client);
  // The cookie's Max-Age ends it in the browser at the same moment: say so then, rather than at the next click.
  const { expiresAt } = outcome.signedIn;
  const expiry = setTimeout(
    () => endSession(`Your session expired at ${dateTime(expiresAt)}; sign in again.`),
    Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1),
  );
  live = {
    close() {
      clearTimeout(expiry);
      disconnect();
      client.close();
    },
  };
  useApp.setState({ auth: { kind: 'signedIn', session: outcome.signedIn } });
}

export function endSession(reason: string | null): void {
  if (reason === NOT_SIGNED_IN) reason = null; // a first visit: nothing to explain
  live?.close();
  live = null;
  useApp.setState({ auth: { kind: 'signedOut', reason }, client: null, connected: false, me: null, status: null, notices: [] });
}

export async function signOutHere(): Promise<void> {
  await signOut();
  endSession('You signed out.');
}
