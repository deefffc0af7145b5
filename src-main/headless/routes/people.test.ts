import type { FastifyInstance } from 'fastify';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AckInfo } from '../../../src-shared/api/acks';
import { ackBed, type AckBed } from '../../core/ack/testing';
import { hashToken } from '../../core/people';
import { intakeTokenCommand, userCommand } from '../commands/user';
import type { Command } from '../commands/index';
import { createHttpServer } from '../http';

/**
 * People and roles over the real HTTP server, on a real SQLite file that the
 * CLI (`vigil user …`) writes and the running server reads per request.
 */
const LEGACY = 'legacy-token-0123456789abcdefghijklmnop';
let b: AckBed;
let app: FastifyInstance;
let base = '';
const tokens: Record<string, string> = {};

async function cli(cmd: Command, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  try {
    return { code: await cmd.run([...argv, '--data-dir', b.dir]), out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
const lastLine = (s: string) => s.trim().split('\n').at(-1)!;

const http = (token: string | null, method: string, path: string, body?: unknown) =>
  fetch(base + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const rpc = (who: string, method: string, input: unknown = {}) => http(tokens[who]!, 'POST', `/api/rpc/${method}`, input);
const errorOf = async (r: Response) => ((await r.json()) as { error: { code: string; message: string } }).error;

beforeAll(async () => {
  b = await ackBed('channels: [{ name: desktop, type: desktop }]\nroutes: [{ channels: [desktop] }]');
  // The data dir's legacy token file, as `vigil serve` writes it.
  writeFileSync(join(b.dir, 'token'), LEGACY + '\n', { mode: 0o600 });
  app = await createHttpServer({ core: b.core, token: LEGACY });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  tokens.admin = LEGACY;
  for (const [name, role] of [
    ['vera', 'viewer'],
    ['rick', 'responder'],
    ['alice', 'approver'],
    ['ada', 'admin'],
  ] as const) {
    const r = await cli(userCommand, ['add', name, '--role', role]);
    expect(r.code, r.err).toBe(0);
    tokens[name] = lastLine(r.out);
  }
  const i = await cli(intakeTokenCommand, ['add', 'alertmanager']);
  tokens.intake = lastLine(i.out);
});
afterAll(async () => {
  await app?.close();
  await b?.close();
});

describe('people and personal tokens (R-PEOPLE-1)', () => {
  it('R-PEOPLE-1: `vigil user add` prints a 256-bit token once and stores only its hash; the legacy token is the first admin', async () => {
    expect(tokens.rick).toMatch(/^vgp_[A-Za-z0-9_-]{43}$/);
    const db = readFileSync(join(b.dir, 'vigil.db'), 'latin1') + readFileSync(join(b.dir, 'vigil.db-wal'), 'latin1');
    expect(db.includes(tokens.rick!)).toBe(false);
    expect(db.includes(hashToken(tokens.rick!))).toBe(true);
    const list = await cli(userCommand, ['list']);
    expect(list.out).toMatch(/^admin\s+admin/m);
    expect(list.out).toMatch(/^rick\s+responder/m);
    expect(list.out.includes('vgp_')).toBe(false);
    expect(await (await rpc('admin', 'me.get')).json()).toMatchObject({ ok: true, value: { name: 'admin', role: 'admin' } });
    expect(await (await rpc('rick', 'me.get')).json()).toMatchObject({ ok: true, value: { name: 'rick', role: 'responder' } });
  });

  it('R-PEOPLE-1: bad CLI input is one clear line and changes nothing', async () => {
    const bad = await cli(userCommand, ['add', 'eve', '--role', 'root']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--role \(viewer, responder, approver or admin\)/);
    const dup = await cli(userCommand, ['add', 'rick', '--role', 'viewer']);
    expect(dup.code).toBe(1);
    expect(dup.err).toMatch(/"rick" already exists/);
    expect((await cli(userCommand, ['add', 'Bad Name', '--role', 'viewer'])).code).toBe(2);
    expect((await cli(userCommand, ['list'])).out).not.toMatch(/^eve/m);
  });

  it('R-PEOPLE-1: each role is refused (403 with the reason) what it may not do, over RPC', async () => {
    await b.send({ fingerprint: 'fp-roles', severity: 'warning' });
    // viewer reads, may not acknowledge
    expect((await rpc('vera', 'events.list', {})).status).toBe(200);
    const v = await rpc('vera', 'alerts.ack', { fingerprint: 'fp-roles', by: 'vera' });
    expect(v.status).toBe(403);
    expect(await errorOf(v)).toEqual({ code: 'forbidden', message: 'vera is a viewer; alerts.ack needs the responder role or higher' });
    // responder acknowledges and silences, may not decide approvals
    expect((await rpc('rick', 'alerts.ack', { fingerprint: 'fp-roles', by: 'rick' })).status).toBe(200);
    const r = await rpc('rick', 'approvals.decide', { id: 'x', decision: 'approve' });
    expect(r.status).toBe(403);
    expect((await errorOf(r)).message).toBe('rick is a responder; approvals.decide needs the approver role or higher');
    // approver decides (404: no such approval, so past the role check), may not touch secrets or people
    expect((await rpc('alice', 'approvals.decide', { id: 'x', decision: 'approve' })).status).toBe(404);
    for (const [m, input] of [
      ['secrets.set', { name: 'x', value: 'y' }],
      ['people.add', { name: 'eve', role: 'admin' }],
    ] as const) {
      const a = await rpc('alice', m, input);
      expect(a.status).toBe(403);
      expect((await errorOf(a)).message).toBe(`alice is an approver; ${m} needs the admin role or higher`);
    }
    // admin administers people
    const added = await rpc('ada', 'people.add', { name: 'eve', role: 'viewer' });
    expect(added.status).toBe(200);
    expect(((await added.json()) as { value: { token: string } }).value.token).toMatch(/^vgp_/);
    expect((await cli(userCommand, ['list'])).out).toMatch(/^eve\s+viewer/m);
  });

  it('R-PEOPLE-1: over HTTP routes too: a viewer may not ack or clear, an intake token may only post alerts, a person without role may not post', async () => {
    await b.send({ fingerprint: 'fp-http-roles', severity: 'warning' });
    const ack = await http(tokens.vera!, 'POST', '/api/v1/alerts/fp-http-roles/ack', {});
    expect(ack.status).toBe(403);
    expect((await errorOf(ack)).message).toBe('vera is a viewer; POST /api/v1/alerts/:fingerprint/ack needs the responder role or higher');
    const clear = await http(tokens.rick!, 'DELETE', '/api/v1/smoke/history');
    expect(clear.status).toBe(403);
    expect((await errorOf(clear)).message).toMatch(/rick is a responder; DELETE \/api\/v1\/smoke\/history needs the admin role/);

    const event = { source: 'api', fingerprint: 'fp-intake', severity: 'info', summary: 'from a webhook' };
    expect((await http(tokens.intake!, 'POST', '/api/v1/events', event)).status).toBe(202);
    expect((await http(tokens.vera!, 'POST', '/api/v1/events', event)).status).toBe(403);
    for (const [m, p] of [
      ['POST', '/api/rpc/events.list'],
      ['GET', '/api/stream'],
    ] as const) {
      const r = await http(tokens.intake!, m, p, m === 'POST' ? {} : undefined);
      expect(r.status).toBe(403);
      expect((await errorOf(r)).message).toMatch(/^intake token "alertmanager" may only post alerts/);
    }
    expect((await http('vgp_not-a-real-token-at-all', 'POST', '/api/rpc/events.list', {})).status).toBe(401);
    expect((await http(null, 'POST', '/api/rpc/events.list', {})).status).toBe(401);
    expect((await b.call<AckInfo>('alerts.ackInfo', { fingerprint: 'fp-http-roles' })).acknowledged).toBe(false);
  });

  it('R-PEOPLE-1: rotate and remove take effect at once in the running server; the last admin cannot be removed', async () => {
    const old = tokens.vera!;
    const rot = await cli(userCommand, ['rotate', 'vera']);
    expect(rot.code).toBe(0);
    const fresh = lastLine(rot.out);
    expect((await http(old, 'POST', '/api/rpc/me.get', {})).status).toBe(401);
    expect((await http(fresh, 'POST', '/api/rpc/me.get', {})).status).toBe(200);
    expect((await cli(userCommand, ['remove', 'vera'])).code).toBe(0);
    expect((await http(fresh, 'POST', '/api/rpc/me.get', {})).status).toBe(401);
    expect((await cli(userCommand, ['remove', 'ada'])).code).toBe(0);
    const last = await cli(userCommand, ['remove', 'admin']);
    expect(last.code).toBe(1);
    expect(last.err).toMatch(/admin is the last admin; add another admin first/);
    expect((await rpc('admin', 'me.get')).status).toBe(200);
  });
});

describe('actions carry the authenticated person (R-PEOPLE-2)', () => {
  it("R-PEOPLE-2: the recorded actor is the token's person even when the request names someone else (ack, note, silence, audit)", async () => {
    await b.send({ fingerprint: 'fp-actor', severity: 'warning' });
    expect((await rpc('rick', 'alerts.ack', { fingerprint: 'fp-actor', by: 'alice', note: 'mine' })).status).toBe(200);
    expect((await rpc('rick', 'alerts.addNote', { fingerprint: 'fp-actor', by: 'the-boss', note: 'looking' })).status).toBe(200);
    const info = await b.call<AckInfo>('alerts.ackInfo', { fingerprint: 'fp-actor' });
    expect(info.ack).toMatchObject({ by: 'rick' });
    expect(JSON.stringify(info)).not.toMatch(/alice|the-boss/);
    const sil = await rpc('rick', 'silences.create', {
      matchers: [{ name: 'instance', op: '=', value: 'web9' }],
      endsAt: b.clock.now() + 3600_000,
      createdBy: 'alice',
      comment: 'maintenance',
    });
    expect(sil.status).toBe(200);
    expect(((await sil.json()) as { value: { createdBy: string } }).value.createdBy).toBe('rick');
    const audit = b.core.areas.db.prepare(`SELECT actor FROM audit_log WHERE action = 'person.add' AND subject = 'eve'`).get() as {
      actor: string;
    };
    expect(audit.actor).toBe('ada');
  });

  it("R-AUDIT-2: every person's action is in the audit with the token's person: ack, silence created and expired, pause, secret set", async () => {
    await b.send({ fingerprint: 'fp-audit', severity: 'warning' });
    const since = (b.core.areas.db.prepare('SELECT max(id) AS n FROM audit_log').get() as { n: number }).n;
    expect((await rpc('rick', 'alerts.ack', { fingerprint: 'fp-audit', by: 'mallory' })).status).toBe(200);
    const sil = await rpc('rick', 'silences.create', {
      matchers: [{ name: 'instance', op: '=', value: 'web7' }],
      endsAt: b.clock.now() + 3600_000,
      createdBy: 'mallory',
      comment: 'window',
    });
    const silId = ((await sil.json()) as { value: { id: string } }).value.id;
    expect((await rpc('alice', 'silences.expire', { id: silId })).status).toBe(200);
    expect((await rpc('rick', 'notifications.pause', { minutes: 15 })).status).toBe(200);
    await rpc('admin', 'secrets.set', { name: 'tg-bot', value: 'S3CRET-VALUE-123' });
    await rpc('rick', 'diag.run', { host: 'nowhere', command: 'uptime' }); // fails: recorded with why
    const rows = b.core.areas.db
      .prepare('SELECT actor, action, subject, detail FROM audit_log WHERE id > ? ORDER BY id')
      .all(since) as Array<{ actor: string; action: string; subject: string; detail: string }>;
    const seen = rows.map((r) => `${r.actor} ${r.action} ${r.subject}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        'rick alerts.ack alerts:fp-audit',
        `rick silences.create silences`,
        `alice silences.expire silences:${silId}`,
        'rick notifications.pause notifications',
        'admin secrets.set secrets:tg-bot',
      ]),
    );
    expect(seen.filter((s) => / diag\.(run|denied|failed)/.test(s)).every((s) => s.startsWith('rick '))).toBe(true);
    expect(JSON.stringify(rows)).not.toMatch(/S3CRET-VALUE-123|mallory/);
    await expect(b.core.call('audit.verify', {})).resolves.toMatchObject({ ok: true, value: { ok: true } });
  });
});
