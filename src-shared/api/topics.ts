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
});
export type DesktopNotice = z.infer<typeof DesktopNotice>;

/** Push topics: server → renderer. Each push is one batch. */
export const topics = {
  status: StatusSnapshot,
  notice: DesktopNotice,
  /** Something in a collection changed; pages refetch what they show. */
  changed: z.object({ what: z.array(z.string()) }),
};
export type Topics = typeof topics;
export type TopicName = keyof Topics;
export type TopicPayload<T extends TopicName> = z.infer<Topics[T]>;
export const TOPIC_NAMES = Object.keys(topics) as TopicName[];
