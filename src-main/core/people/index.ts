import { createHash, randomBytes } from 'node:crypto';
import type { Handlers } from '../../../src-shared/api';
import type { Actor } from '../../../src-shared/api/access';
import type { Person, Role, SessionInfo } from '../../../src-shared/api/people';
import { Severity } from '../../../src-shared/constants';
import { NOT_SIGNED_IN } from '../../../src-shared/session';
import type { Audit } from '../audit';
import type { Clock } from '../clock';
import { VigilError } from '../errors';
import type { Stores } from '../store';

/** Prefixes say what a leaked string is (a personal token, an intake token, a session) when someone finds one in a log. */
export const TOKEN_PREFIX = { person: 'vgp_', intake: 'vgi_', session: 'vgs_' } as const;
/** 256 random bits; only the SHA-256 is stored (a slow hash adds nothing against 256-bit secrets). */
export const newSecret = (prefix: string): string => prefix + randomBytes(32).toString('base64url');
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** How many presented tokens' hashes are remembered (a flood of wrong tokens only empties the memory). */
const PRESENTED_HASHES = 1_000;
/**
 * hashToken for the tokens requests present (issue 17): every HTTP intake request presents one, and its hash was
 * most of the main thread's cost of checking it. Only the hash is remembered, a pure function of the token; whom it
 * belongs to is remembered by the store only while a number every change of token owners moves stands (one row read
 * at every request), so a revoked or rotated token (here or by `vigil user` on the same database) is refused at once.
 */
export function presentedTokenHash(): (token: string) => string {
  const seen = new Map<string, string>();
  return (token) => {
    let hash = seen.get(token);
    if (hash === undefined) {
      if (seen.size >= PRESENTED_HASHES) seen.clear();
      seen.set(token, (hash = hashToken(token)));
    }
    return hash;
  };
}

/** The person the legacy single token (data-dir `token` / VIGIL_TOKEN) becomes on upgrade. */
export const FIRST_ADMIN = 'admin';
export const DEFAULT_SESSION_TTL_MS = 12 * 3600_000;
const SEVERITIES = Severity.options;

export type PeopleHandlers = Pick<
  Handlers,
  | 'people.list'
  | 'people.add'
  | 'people.update'
  | 'people.remove'
  | 'people.rotate'
  | 'sessions.list'
  | 'sessions.revoke'
  | 'me.get'
  | 'me.notify.get'
  | 'me.notify.set'
  | 'me.notify.pause'
>;

export interface OpenedSession {
  id: string;
  /** The cookie value; only its hash is stored. */
  secret: string;
  expiresAt: number;
  actor: Actor;
}

/** Why a session secret no longer signs anyone in: the console shows it on its sign-in page. */
export type SessionCheck = { ok: true; actor: Actor; expiresAt: number } | { ok: false; reason: string };

export interface People {
  /** The person a personal token belongs to, or null. */
  authenticate(token: string | undefined): Actor | null;
  /** A Bearer token's owner: a person, else an intake token, which may only post alerts (one look-up for both). */
  bearer(token: string | undefined): { actor: Actor } | { intake: string } | null;
  /** The person with this Telegram user id, or null. */
  byTelegram(id: string | number): Actor | null;
  /** Upgrade path: with nobody on record, the legacy single token becomes the personal token of `admin`. */
  ensureFirstAdmin(legacyToken: string): void;
  add(input: { name: string; role: Role; telegram?: string }, by: string): { person: Person; token: string };
  rotate(name: string, by: string): { person: Person; token: string };
  remove(name: string, by: string): void;
  list(): Person[];
  addIntake(name: string, by: string): string;
  removeIntake(name: string, by: string): boolean;
  listIntake(): Array<{ name: string; createdAt: number }>;
  /** Whether a desktop notice of this severity reaches this person (their preferences on the server, all by default; not while they paused their own). */
  wantsNotice(name: string, severity: Severity): boolean;
  sessions: {
    /** Exchange a personal token for a session (sign-in). */
    open(token: string, userAgent: string): OpenedSession | null;
    resolve(secret: string | undefined): Actor | null;
    /** Like resolve, checked on every request, with the reason when it fails (expired, revoked, unknown). */
    check(secret: string | undefined): SessionCheck;
    revoke(id: string, by: string): void;
    list(): SessionInfo[];
  };
  handlers: PeopleHandlers;
}

const notFound = (name: string) => new VigilError('not_found', `nobody named "${name}" (see people.list or \`vigil user list\`)`);

export function createPeople(
  stores: Pick<Stores, 'people' | 'transaction'>,
  deps: { audit: Audit; clock: Clock; sessionTtlMs?: number },
): People {
  const { audit, clock } = deps;
  const repo = stores.people;
  const ttl = deps.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const asActor = (p: Person, sessionId: string | null = null): Actor => ({ name: p.name, role: p.role, sessionId });
  const admins = () => repo.list().filter((p) => p.role === 'admin').length;
  /** Per-person notice settings need a person on record (the desktop's own shell has none: it notifies its owner). */
  const signedIn = (actor: Actor | undefined): string => {
    if (actor && repo.get(actor.name)) return actor.name;
    throw new VigilError(
      'bad_request',
      'notification preferences belong to a person signed in to a Vigil server (this desktop notifies its owner of everything)',
    );
  };
  const myPause = (actor: Actor | undefined): number | null => {
    const until = actor ? repo.notifyPausedUntil(actor.name) : null;
    return until !== null && until > clock.now() ? until : null;
  };
  const mustGet = (name: string) =>
    repo.get(name) ??
    (() => {
      throw notFound(name);
    })();

  const presented = presentedTokenHash();
  const people: People = {
    authenticate(token) {
      const o = token ? repo.tokenOwner(presented(token)) : null;
      return o && 'person' in o ? asActor(o.person) : null;
    },
    bearer(token) {
      const o = token ? repo.tokenOwner(presented(token)) : null;
      return o && 'person' in o ? { actor: asActor(o.person) } : o;
    },
    byTelegram(id) {
      const p = repo.byTelegram(String(id));
      return p ? asActor(p) : null;
    },
    ensureFirstAdmin(legacyToken) {
      stores.transaction(() => {
        if (repo.count() > 0) return;
        const now = clock.now();
        repo.insert({
          name: FIRST_ADMIN,
          role: 'admin',
          telegram: null,
          tokenHash: hashToken(legacyToken),
          createdAt: now,
          tokenIssuedAt: now,
        });
        audit.append({ actor: 'vigil', action: 'person.add', subject: FIRST_ADMIN, detail: { role: 'admin', from: 'legacy token' } });
      });
    },
    add(input, by) {
      const token = newSecret(TOKEN_PREFIX.person);
      const now = clock.now();
      return stores.transaction(() => {
        if (repo.get(input.name)) throw new VigilError('conflict', `"${input.name}" already exists; use rotate for a new token`);
        if (input.telegram && repo.byTelegram(input.telegram))
          throw new VigilError('conflict', `Telegram id ${input.telegram} already belongs to ${repo.byTelegram(input.telegram)!.name}`);
        repo.insert({
          name: input.name,
          role: input.role,
          telegram: input.telegram ?? null,
          tokenHash: hashToken(token),
          createdAt: now,
          tokenIssuedAt: now,
        });
        audit.append({
          actor: by,
          action: 'person.add',
          subject: input.name,
          detail: { role: input.role, telegram: input.telegram ?? null },
        });
        return { person: mustGet(input.name), token };
      });
    },
    rotate(name, by) {
      const token = newSecret(TOKEN_PREFIX.person);
      return stores.transaction(() => {
        mustGet(name);
        repo.setToken(name, hashToken(token), clock.now());
        // A new token ends the sessions the old one opened: rotation is what you do after a leak.
        repo.sessions.revokePerson(name, clock.now());
        audit.append({ actor: by, action: 'person.rotate', subject: name });
        return { person: mustGet(name), token };
      });
    },
    remove(name, by) {
      stores.transaction(() => {
        const p = mustGet(name);
        if (p.role === 'admin' && admins() === 1) throw new VigilError('conflict', `${name} is the last admin; add another admin first`);
        repo.remove(name);
        repo.sessions.revokePerson(name, clock.now());
        audit.append({ actor: by, action: 'person.remove', subject: name });
      });
    },
    list: () => repo.list(),
    addIntake(name, by) {
      const token = newSecret(TOKEN_PREFIX.intake);
      stores.transaction(() => {
        if (repo.intake.list().some((t) => t.name === name)) throw new VigilError('conflict', `an intake token "${name}" already exists`);
        repo.intake.insert(name, hashToken(token), clock.now());
        audit.append({ actor: by, action: 'intake_token.add', subject: name });
      });
      return token;
    },
    removeIntake(name, by) {
      return stores.transaction(() => {
        const gone = repo.intake.remove(name);
        if (gone) audit.append({ actor: by, action: 'intake_token.remove', subject: name });
        return gone;
      });
    },
    listIntake: () => repo.intake.list(),
    wantsNotice: (name, severity) =>
      (repo.notifySeverities(name) ?? SEVERITIES).includes(severity) && (repo.notifyPausedUntil(name) ?? 0) <= clock.now(),
    sessions: {
      open(token, userAgent) {
        const actor = people.authenticate(token);
        if (!actor) return null;
        const now = clock.now();
        const id = randomBytes(9).toString('base64url');
        const secret = newSecret(TOKEN_PREFIX.session);
        stores.transaction(() => {
          repo.sessions.insert({
            id,
            secretHash: hashToken(secret),
            person: actor.name,
            createdAt: now,
            expiresAt: now + ttl,
            lastSeenAt: now,
            userAgent: userAgent.slice(0, 200),
            revokedAt: null,
          });
          audit.append({ actor: actor.name, action: 'session.open', subject: id, detail: { userAgent: userAgent.slice(0, 200) } });
        });
        return { id, secret, expiresAt: now + ttl, actor: { ...actor, sessionId: id } };
      },
      resolve(secret) {
        const c = people.sessions.check(secret);
        return c.ok ? c.actor : null;
      },
      check(secret) {
        if (!secret) return { ok: false, reason: NOT_SIGNED_IN };
        const s = repo.sessions.bySecretHash(hashToken(secret));
        // Cookies are per host, not per port: another Vigil on this host may have replaced this one's.
        if (!s) return { ok: false, reason: 'This browser holds a session this Vigil does not know; sign in again.' };
        const now = clock.now();
        const at = (t: number) => new Date(t).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
        if (s.revokedAt !== null) return { ok: false, reason: `Your session was ended at ${at(s.revokedAt)}; sign in again.` };
        if (s.expiresAt <= now) return { ok: false, reason: `Your session expired at ${at(s.expiresAt)}; sign in again.` };
        const p = repo.get(s.person);
        if (!p) return { ok: false, reason: `${s.person} is no longer on record; ask an admin.` };
        // last_seen is for the People page; a minute's precision spares a write per request.
        if (now - s.lastSeenAt > 60_000) repo.sessions.touch(s.id, now);
        return { ok: true, actor: asActor(p, s.id), expiresAt: s.expiresAt };
      },
      revoke(id, by) {
        stores.transaction(() => {
          if (!repo.sessions.revoke(id, clock.now())) throw new VigilError('not_found', `no live session "${id}"`);
          audit.append({ actor: by, action: 'session.revoke', subject: id });
        });
      },
      list: () => repo.sessions.live(clock.now()),
    },
    handlers: {
      'people.list': () => repo.list(),
      'people.add': (i, actor) => people.add(i, actor?.name ?? 'console'),
      'people.update': (i, actor) =>
        stores.transaction(() => {
          const p = mustGet(i.name);
          if (p.role === 'admin' && i.role && i.role !== 'admin' && admins() === 1)
            throw new VigilError('conflict', `${i.name} is the last admin; add another admin first`);
          if (i.telegram) {
            const holder = repo.byTelegram(i.telegram);
            if (holder && holder.name !== i.name)
              throw new VigilError('conflict', `Telegram id ${i.telegram} already belongs to ${holder.name}`);
          }
          repo.update(i.name, { role: i.role, telegram: i.telegram });
          audit.append({
            actor: actor?.name ?? 'console',
            action: 'person.update',
            subject: i.name,
            detail: { role: i.role ?? null, telegram: i.telegram ?? null },
          });
          return mustGet(i.name);
        }),
      'people.remove': (i, actor) => {
        people.remove(i.name, actor?.name ?? 'console');
        return { name: i.name, removed: true as const };
      },
      'people.rotate': (i, actor) => people.rotate(i.name, actor?.name ?? 'console'),
      'sessions.list': () => people.sessions.list(),
      'sessions.revoke': (i, actor) => {
        people.sessions.revoke(i.id, actor?.name ?? 'console');
        return { id: i.id, revoked: true as const };
      },
      // Without an actor the caller is the desktop's own shell: its owner administers it.
      'me.notify.get': (_i, actor) => ({
        severities: (actor && repo.notifySeverities(actor.name)) ?? [...SEVERITIES],
        pausedUntil: myPause(actor),
      }),
      'me.notify.set': (i, actor) => {
        const who = signedIn(actor);
        const severities = SEVERITIES.filter((s) => i.severities.includes(s));
        stores.transaction(() => {
          repo.setNotifySeverities(who, severities);
          audit.append({ actor: who, action: 'person.notify', subject: who, detail: { severities } });
        });
        return { severities };
      },
      // Connected mode's "Pause notifications" (R-TEAM-3): only this person's own desktop notices, never the team's channel.
      'me.notify.pause': (i, actor) => {
        const who = signedIn(actor);
        const until = i.minutes === 0 ? null : clock.now() + i.minutes * 60_000;
        stores.transaction(() => {
          repo.setNotifyPausedUntil(who, until);
          audit.append({ actor: who, action: 'person.notify.pause', subject: who, detail: { until } });
        });
        return { pausedUntil: until };
      },
      'me.get': (_i, actor) => ({ name: actor?.name ?? 'local', role: actor?.role ?? 'admin', sessionId: actor?.sessionId ?? null }),
    },
  };
  return people;
}
