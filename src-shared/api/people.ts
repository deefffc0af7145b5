import { z } from 'zod';
import { Severity } from '../constants';
import { method } from './define';
import { Paused, PauseFor } from './system';

/**
 * People, roles and sessions (R-PEOPLE). A role includes every role below it:
 * viewer reads; responder acknowledges, silences, diagnoses, adds notes and
 * memory; approver also decides heal and plan approvals; admin also edits
 * configuration, secrets and people.
 */
export const Role = z.enum(['viewer', 'responder', 'approver', 'admin']);
export type Role = z.infer<typeof Role>;
export const ROLE_RANK: Record<Role, number> = { viewer: 0, responder: 1, approver: 2, admin: 3 };
export const roleAtLeast = (have: Role, need: Role): boolean => ROLE_RANK[have] >= ROLE_RANK[need];
/** The refusal sentence every transport gives (HTTP, RPC, Telegram). */
export const roleRefusal = (who: string, have: Role, what: string, need: Role): string =>
  `${who} is ${/^[aeiou]/.test(have) ? 'an' : 'a'} ${have}; ${what} needs the ${need} role or higher`;

export const PersonName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'names are 1–40 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');
/** Four-eyes (people.fourEyes): the refusal when the proposer tries to approve their own heal or plan. */
export const fourEyesRefusal = (who: string, what: string): string =>
  `four-eyes rule: ${who} proposed ${what} and may not approve it; another approver must`;
/** A Telegram user id (digits): button presses from it act as this person. */
export const TelegramId = z.string().regex(/^\d{1,20}$/, 'a Telegram user id is digits only');

export const Person = z.object({
  name: z.string(),
  role: Role,
  telegram: z.string().nullable(),
  createdAt: z.number(),
  /** When the personal token was last issued (add or rotate). */
  tokenIssuedAt: z.number(),
});
export type Person = z.infer<typeof Person>;

export const SessionInfo = z.object({
  id: z.string(),
  person: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  lastSeenAt: z.number(),
  userAgent: z.string(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/** Who the caller is, as the console shows it ("signed in as …"). */
export const Me = z.object({ name: z.string(), role: Role, sessionId: z.string().nullable() });
export type Me = z.infer<typeof Me>;

const Issued = z.object({ person: Person, token: z.string() });

/** Per-person notification preferences, kept on the (team) server: which severities reach my desktop. */
export const NotifyPrefs = z.object({ severities: z.array(Severity).max(3) });
export type NotifyPrefs = z.infer<typeof NotifyPrefs>;

export const peopleApi = {
  'people.list': method(z.object({}).strict(), z.array(Person), 'Everyone who can sign in, with role and Telegram id. Never a token.'),
  'people.add': method(
    z.object({ name: PersonName, role: Role, telegram: TelegramId.optional() }).strict(),
    Issued,
    'Add a person; returns their personal token once (only its hash is stored).',
  ),
  'people.update': method(
    z.object({ name: PersonName, role: Role.optional(), telegram: TelegramId.nullable().optional() }).strict(),
    Person,
    "Change a person's role or Telegram id.",
  ),
  'people.remove': method(
    z.object({ name: PersonName }).strict(),
    z.object({ name: z.string(), removed: z.literal(true) }),
    'Remove a person; their token and sessions stop working at once.',
  ),
  'people.rotate': method(
    z.object({ name: PersonName }).strict(),
    Issued,
    'Issue a new personal token (the old one and its sessions stop working); returned once.',
  ),
  'sessions.list': method(z.object({}).strict(), z.array(SessionInfo), 'Browser sessions that have not expired or been revoked.'),
  'sessions.revoke': method(
    z.object({ id: z.string().min(1).max(64) }).strict(),
    z.object({ id: z.string(), revoked: z.literal(true) }),
    'End a browser session now.',
  ),
  'me.get': method(z.object({}).strict(), Me, 'The signed-in person.'),
  'me.notify.get': method(
    z.object({}).strict(),
    NotifyPrefs.extend(Paused.shape),
    "Which severities reach the signed-in person's desktop, and until when their own notices are paused.",
  ),
  'me.notify.pause': method(
    PauseFor,
    Paused,
    "Pause the signed-in person's own desktop notices (0 resumes); everyone else is still notified and nothing is held.",
  ),
  'me.notify.set': method(
    NotifyPrefs.strict(),
    NotifyPrefs,
    "Choose which severities reach the signed-in person's desktop (notices are filtered on the server).",
  ),
};
