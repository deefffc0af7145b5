import { z } from 'zod';
import { Severity } from '../constants';
import { StatusSnapshot } from './system';

/** A desktop notification the shells show (native in Electron, in-page headless). */
export const DesktopNotice = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  severity: Severity,
  eventId: z.string().nullable(),
  at: z.number(),
  /** The incident thread: a notice with the same tag replaces the one shown (card and native notification). */
  tag: z.string().optional(),
  /** A follow-up folded into the incident's notice: shown without sound. */
  update: z.boolean().optional(),
  /** A page for one person (the on-call channel): only their sessions show it. Absent: everyone's console. */
  to: z.string().optional(),
});
export type DesktopNotice = z.infer<typeof DesktopNotice>;

/**
 * The collections a `changed` push names. The core says "this collection
 * changed" and each view refetches what shows it; both sides name them only
 * through this object, so a view cannot wait for a name the core never sends.
 */
export const Collection = {
  events: 'events',
  acks: 'acks',
  silences: 'silences',
  outbox: 'outbox',
  approvals: 'approvals',
  heal: 'heal',
  heallog: 'heallog',
  incidents: 'incidents',
  plans: 'plans',
  memory: 'memory',
  hosts: 'hosts',
  audit: 'audit',
  smoke: 'smoke',
  settings: 'settings',
  changes: 'changes',
} as const;
export type Collection = (typeof Collection)[keyof typeof Collection];
export const COLLECTIONS = Object.values(Collection) as [Collection, ...Collection[]];

/** Push topics: server → renderer. Each push is one batch. */
export const Topic = { status: 'status', notice: 'notice', changed: 'changed' } as const;
export type Topic = (typeof Topic)[keyof typeof Topic];

export const topics = {
  [Topic.status]: StatusSnapshot,
  [Topic.notice]: DesktopNotice,
  /** Something in a collection changed; pages refetch what they show. */
  [Topic.changed]: z.object({ what: z.array(z.enum(COLLECTIONS)) }),
} satisfies Record<Topic, z.ZodType>;
export type Topics = typeof topics;
export type TopicName = keyof Topics;
export type TopicPayload<T extends TopicName> = z.infer<Topics[T]>;
export const TOPIC_NAMES = Object.values(Topic);
