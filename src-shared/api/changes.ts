import { z } from 'zod';
import { method } from './define';

/** Changes (R-CHANGE-1/2): deploys, config edits, flags, migrations, manual work — what changed before an alert. */
export const ChangeKind = z.enum(['deploy', 'config', 'flag', 'migration', 'manual']);
export type ChangeKind = z.infer<typeof ChangeKind>;

const name = z.string().trim().min(1).max(100);
/** An ISO time or epoch milliseconds. */
const when = z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);

/** What a pipeline (or a person) says about one change. */
export const ChangeInput = z
  .object({
    kind: ChangeKind.default('deploy'),
    service: name.optional(),
    hosts: z.array(name).max(100).default([]),
    version: z.string().trim().min(1).max(100).optional(),
    commit: z.string().trim().min(1).max(100).optional(),
    author: name.optional(),
    link: z.url().max(2000).optional(),
    at: when.optional(),
    summary: z.string().max(4000).optional(),
    /** A unified diff (or any change text) for the risk review; kept up to 200 KiB. */
    diff: z
      .string()
      .max(200 * 1024)
      .optional(),
    /** Where it came from: api, cli, github, gitea, gitlab, console. */
    source: z.string().trim().min(1).max(40).default('api'),
    /** The sender's own id (a webhook delivery id): sending it again records nothing new. */
    externalId: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .refine((c) => c.service || c.hosts.length, { message: 'say which service or hosts the change touched (service or hosts)' });
export type ChangeInput = z.input<typeof ChangeInput>;

export const RiskLevel = z.enum(['low', 'medium', 'high']);
export const ChangeReview = z.object({
  level: RiskLevel,
  /** hermes (rules) or nemotron (LLM). */
  reviewer: z.enum(['hermes', 'nemotron']),
  model: z.string().nullable(),
  reasons: z.array(z.string()),
  /** Set when NemoTron was tried and the rules answered instead. */
  fallbackReason: z.string().nullable(),
  at: z.number(),
});
export type ChangeReview = z.infer<typeof ChangeReview>;

export const Change = z.object({
  id: z.string(),
  kind: ChangeKind,
  service: z.string().nullable(),
  hosts: z.array(z.string()),
  version: z.string().nullable(),
  commit: z.string().nullable(),
  author: z.string().nullable(),
  link: z.string().nullable(),
  at: z.number(),
  summary: z.string().nullable(),
  /** Whether a diff was given (the diff itself is read with changes.get). */
  hasDiff: z.boolean(),
  source: z.string(),
  receivedAt: z.number(),
  review: ChangeReview.nullable(),
  /** The plan a high-risk review created (waiting for a person). */
  planId: z.string().nullable(),
});
export type Change = z.infer<typeof Change>;

/** A change near an alert: how long before the alert fired, and why it matched. */
export const NearbyChange = Change.extend({ beforeMs: z.number(), matched: z.enum(['service', 'host']) });
export type NearbyChange = z.infer<typeof NearbyChange>;

const limit = z.number().int().min(1).max(1000).default(100);

export const changesApi = {
  'changes.add': method(
    ChangeInput,
    Change,
    'Record a change (deploy, config, flag, migration, manual); one with a diff or summary gets a risk review.',
  ),
  'changes.list': method(
    z.object({ limit, service: name.optional(), host: name.optional(), since: z.number().int().optional() }).strict(),
    z.object({ items: z.array(Change) }),
    'Changes, newest first, optionally for one service or host.',
  ),
  'changes.get': method(
    z.object({ id: z.string().min(1).max(64) }).strict(),
    Change.extend({ diff: z.string().nullable() }),
    'One change with its diff.',
  ),
  'changes.near': method(
    z.object({ eventId: z.string().min(1).max(200) }).strict(),
    z.object({ windowMs: z.number(), items: z.array(NearbyChange) }),
    "Changes that touched the alert's service or host within changes.window before it fired, nearest first.",
  ),
  'changes.nearAlerts': method(
    z
      .object({
        /** The alerts a page shows (their labels and when they fired); at most 1000 per call. */
        alerts: z
          .array(
            z.object({
              fingerprint: z.string().min(1).max(200),
              labels: z.record(z.string().max(200), z.string().max(4000)),
              firedAt: z.number().int().nonnegative(),
            }),
          )
          .max(1000),
      })
      .strict(),
    z.object({ windowMs: z.number(), items: z.array(z.object({ fingerprint: z.string(), changes: z.array(NearbyChange) })) }),
    'For each alert, the changes on its service or host within changes.window before it fired (only alerts with any are listed).',
  ),
};

/** "deploy api 1.4.2 by alice" — the one line a person reads (console, messages, incident drafts). */
export function changeLabel(c: Pick<Change, 'kind' | 'service' | 'hosts' | 'version' | 'commit' | 'author'>): string {
  const what = c.service ?? c.hosts.join(', ');
  const ver = c.version ?? c.commit?.slice(0, 7) ?? null;
  return `${c.kind} ${what}${ver ? ` ${ver}` : ''}${c.author ? ` by ${c.author}` : ''}`;
}

/** "3 min before", "just before", "2 h 5 min before". */
export function beforeText(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return 'just before';
  if (m < 60) return `${m} min before`;
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''} before`;
}
