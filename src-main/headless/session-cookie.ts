import { SESSION_COOKIE } from '../../src-shared/session';

/*
 * By hand rather than @fastify/cookie: that plugin depends on `cookie` 2, whose engines say Node >= 22
 * (Vigil runs on 20), and one cookie with fixed attributes is a line to write and a split to read.
 */

/** HttpOnly (no script reads it), SameSite=Strict (never sent from another site), Secure whenever served over TLS. */
export function sessionCookie(secret: string, maxAgeMs: number, secure: boolean): string {
  const attrs = [
    `${SESSION_COOKIE}=${secret}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  return (secure ? [...attrs, 'Secure'] : attrs).join('; ');
}

/** The same cookie, expired: the browser drops it (sign-out, or a session the server no longer knows). */
export const clearedSessionCookie = (secure: boolean): string => sessionCookie('', 0, secure);

/** The session secret from a Cookie header; session secrets are base64url, so no decoding is needed. */
export function sessionSecret(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
