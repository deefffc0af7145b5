import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER, SESSION_ENDED_EVENT } from '../../../src-shared/session';
import { createCore, type Core } from '../../core/app';
import { FakeClock } from '../../core/clock';
import { parseConfig } from '../../core/config';
import { createHttpServer } from '../http';
import { tlsFor } from '../tls';

/**
 * Browser sessions over the real HTTP server and a real SQLite file (R-PEOPLE-3). The core's clock
 * is injected, so expiry is a clock step, not a wait; the Chromium side is e2e/session.e2e.ts.
 */
const ADMIN = 'admin-token-0123456789abcdefghijklmnop';
const TTL_S = 3600;
const clock = new FakeClock(Date.UTC(2026, 5, 1, 9));
let dir: string;
let core: Core;
let app: FastifyInstance;
let base = '';

const csrf = { [CSRF_HEADER]: '1' };
const json = { 'content-type': 'application/json' };
const signIn = (token: string, headers: Record<string, string> = csrf) =>
  fetch(`${base}/api/session`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify({ token }) });
const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!;
const rpc = (cookie: string, method: string, input: unknown = {}, headers: Record<string, string> = csrf) =>
  fetch(`${base}/api/rpc/${method}`, { method: 'POST', headers: { ...json, cookie, ...headers }, body: JSON.stringify(input) });
const adminRpc = async <T>(method: string, input: unknown = {}): Promise<T> => {
  const res = await fetch(`${base}/api/rpc/${method}`, {
    method: 'POST',
    headers: { ...json, authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify(input),
  });
  return ((await res.json()) as { value: T }).value;
};
const whoAmI = async (cookie: string) => {
  const res = await fetch(`${base}/api/session`, { headers: { cookie } });
  return { status: res.status, body: (await res.json()) as { value?: { name: string }; error?: { message: string } }, res };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-session-'));
  core = createCore({ config: parseConfig(`people: { sessionTtl: ${TTL_S}s }\nsmoke: { enabled: false }\n`), dataDir: dir, clock });
  await core.start();
  app = await createHttpServer({ core, token: ADMIN });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await app?.close();
  await core?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('browser sessions over HTTP (R-PEOPLE-3)', () => {
  it('R-PEOPLE-3: signing in sets an HttpOnly, SameSite=Strict, Path=/ cookie living the session TTL; the cookie alone then works', async () => {
    const res = await signIn(ADMIN);
    expect(res.status).toBe(200);
    const set = res.headers.get('set-cookie')!;
    expect(set.split('; ').slice(1).sort()).toEqual(['HttpOnly', `Max-Age=${TTL_S}`, 'Path=/', 'SameSite=Strict']);
    expect(set).toMatch(/^vigil_session=vgs_[\w-]{43};/);
    expect(((await res.json()) as { value: unknown }).value).toMatchObject({
      name: 'admin',
      role: 'admin',
      expiresAt: clock.now() + TTL_S * 1000,
    });
    const cookie = cookieOf(res);
    expect((await whoAmI(cookie)).body.value).toMatchObject({ name: 'admin', role: 'admin' });
    const me = (await (await rpc(cookie, 'me.get')).json()) as { value: { sessionId: string } };
    expect(me.value.sessionId).toMatch(/^[\w-]{12}$/);
    // Exports (GET) and the event stream need nothing but the cookie.
    expect((await fetch(`${base}/api/stream`, { headers: { cookie }, signal: AbortSignal.timeout(2000) })).status).toBe(200);
  });

  it('R-PEOPLE-3: an intake token or a wrong token cannot sign in; a sign-in without the CSRF header is refused', async () => {
    const intake = core.people.addIntake('am', 'test');
    expect((await signIn(intake)).status).toBe(401);
    expect((await signIn('vgp_wrong')).status).toBe(401);
    const noCsrf = await signIn(ADMIN, {});
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.headers.get('set-cookie')).toBeNull();
  });

  it('R-PEOPLE-3: a Bearer token wins over a cookie, and other cookies of the host do not stand in for a token', async () => {
    const cookie = cookieOf(await signIn(ADMIN));
    const wrongBearer = await rpc(cookie, 'status.get', {}, { ...csrf, authorization: 'Bearer vgp_wrong' });
    expect(wrongBearer.status).toBe(401);
    const stray = await rpc('grafana_session=abc', 'status.get');
    expect(stray.status).toBe(401);
    expect(((await stray.json()) as { error: { message: string } }).error.message).toMatch(/^missing or wrong token/);
  });

  it('R-PEOPLE-3: a change with the cookie but without the CSRF header is refused (403) and changes nothing', async () => {
    const cookie = cookieOf(await signIn(ADMIN));
    const refused = await rpc(cookie, 'people.add', { name: 'mallory', role: 'admin' }, {});
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(`needs the ${CSRF_HEADER} header`);
    expect((await adminRpc<Array<{ name: string }>>('people.list')).map((p) => p.name)).not.toContain('mallory');
    const ack = await fetch(`${base}/api/v1/alerts/fp-x/ack`, { method: 'POST', headers: { ...json, cookie }, body: '{}' });
    expect(ack.status).toBe(403);
    // With the header the same cookie may make the change, recorded as the session's person.
    expect((await rpc(cookie, 'people.add', { name: 'rita', role: 'responder' })).status).toBe(200);
  });

  it('R-PEOPLE-3: a session expires at its TTL (injected clock): 401 with the reason, and the stale cookie is cleared', async () => {
    const cookie = cookieOf(await signIn(ADMIN));
    clock.advance(TTL_S * 1000 - 1);
    expect((await rpc(cookie, 'status.get')).status).toBe(200);
    clock.advance(1);
    const expired = await rpc(cookie, 'status.get');
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { message: string } }).error.message).toMatch(
      /^Your session expired at 2026-06-01 \d\d:\d\d:\d\d UTC/,
    );
    const who = await whoAmI(cookie);
    expect(who.status).toBe(401);
    expect(who.res.headers.get('set-cookie')).toMatch(/^vigil_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
  });

  it('R-PEOPLE-3: revocation (People page, sessions.revoke) ends the session at its next request and ends its open stream', async () => {
    const token = (await adminRpc<{ token: string }>('people.add', { name: 'sam', role: 'viewer' })).token;
    const cookie = cookieOf(await signIn(token));
    const { value: sam } = (await (await rpc(cookie, 'me.get')).json()) as { value: { sessionId: string } };
    const stream = await fetch(`${base}/api/stream`, { headers: { cookie } });
    expect(stream.status).toBe(200);
    expect((await adminRpc<Array<{ id: string; person: string }>>('sessions.list')).find((s) => s.id === sam.sessionId)).toMatchObject({
      person: 'sam',
    });
    await adminRpc('sessions.revoke', { id: sam.sessionId });
    const after = await rpc(cookie, 'status.get');
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(/^Your session was ended at/);
    // The open stream says why and ends (it re-checks every few seconds; read until the end).
    const text = await stream.text();
    expect(text).toContain(`event: ${SESSION_ENDED_EVENT}\ndata: {"reason":"Your session was ended at`);
  }, 20_000);

  it('R-PEOPLE-3: signing out revokes the session and clears the cookie; the audit records who', async () => {
    const cookie = cookieOf(await signIn(ADMIN));
    const id = ((await (await whoAmI(cookie)).body.value) as unknown as { sessionId: string }).sessionId;
    expect((await fetch(`${base}/api/session`, { method: 'DELETE', headers: { cookie } })).status).toBe(403);
    const out = await fetch(`${base}/api/session`, { method: 'DELETE', headers: { cookie, ...csrf } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await rpc(cookie, 'status.get')).status).toBe(401);
    expect((await adminRpc<Array<{ id: string }>>('sessions.list')).map((s) => s.id)).not.toContain(id);
    const audit = await adminRpc<{ entries: Array<{ actor: string; action: string; subject: string }> }>('audit.list', { limit: 5 });
    expect(audit.entries.find((e) => e.subject === id && e.action === 'session.revoke')).toMatchObject({ actor: 'admin' });
  });

  it('R-PEOPLE-4: signing in again in the same browser ends the session its cookie held (as the same person or another), not at its expiry', async () => {
    const first = cookieOf(await signIn(ADMIN));
    const firstId = ((await whoAmI(first)).body.value as unknown as { sessionId: string }).sessionId;
    const token = (await adminRpc<{ token: string }>('people.add', { name: 'una', role: 'viewer' })).token;
    // The browser still sends the first cookie with its new sign-in.
    const second = await signIn(token, { ...csrf, cookie: first });
    expect(second.status).toBe(200);
    expect((await whoAmI(cookieOf(second))).body.value).toMatchObject({ name: 'una' });
    const old = await rpc(first, 'status.get');
    expect(old.status).toBe(401);
    expect(((await old.json()) as { error: { message: string } }).error.message).toMatch(/^Your session was ended at/);
    expect((await adminRpc<Array<{ id: string }>>('sessions.list')).map((x) => x.id)).not.toContain(firstId);
    // A failed sign-in leaves the session it came with alone.
    const third = cookieOf(await signIn(ADMIN));
    expect((await signIn('vgp_wrong', { ...csrf, cookie: third })).status).toBe(401);
    expect((await rpc(third, 'status.get')).status).toBe(200);
  });

  it('R-PEOPLE-4: a token in the URL is refused with the reason (401), on the stream too: no token in URLs', async () => {
    for (const path of [`/api/stream?token=${ADMIN}`, `/api/rpc/status.get?token=${ADMIN}`]) {
      const res = await fetch(`${base}${path}`, {
        method: path.includes('rpc') ? 'POST' : 'GET',
        headers: json,
        body: path.includes('rpc') ? '{}' : null,
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^a token in the URL \(\?token=\) is refused/);
    }
    // Even beside a good Bearer header: the URL has already leaked it into logs; refusing says so.
    const both = await fetch(`${base}/api/stream?token=x`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(both.status).toBe(401);
    // The header works.
    const ok = await fetch(`${base}/api/stream`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: AbortSignal.timeout(2000) });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
  });

  it('R-PEOPLE-3: served over TLS, the session cookie is also Secure', async () => {
    const tls = (await tlsFor({ host: '127.0.0.1', dataDir: dir, selfSigned: true }))!;
    const secure = await createHttpServer({ core, token: ADMIN, tls });
    await secure.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (secure.server.address() as { port: number }).port;
      const setCookie = await new Promise<string[]>((done, fail) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/api/session', method: 'POST', rejectUnauthorized: false, headers: { ...json, ...csrf } },
          (res) => (res.resume(), done(res.headers['set-cookie'] ?? [])),
        );
        req.on('error', fail);
        req.end(JSON.stringify({ token: ADMIN }));
      });
      expect(setCookie[0]!.split('; ')).toEqual(
        expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/', `Max-Age=${TTL_S}`, 'Secure']),
      );
    } finally {
      await secure.close();
    }
  });
});
