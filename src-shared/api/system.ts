import { z } from 'zod';
import { SmokeStatus } from '../constants';
import { method } from './define';

/** A status tile on the Overview and in the tray: one per watched thing. */
export const StatusTile = z.object({
  id: z.string(),
  label: z.string(),
  status: SmokeStatus,
  value: z.string(),
  reason: z.string(),
});
export type StatusTile = z.infer<typeof StatusTile>;

export const StatusSnapshot = z.object({
  version: z.string(),
  startedAt: z.number(),
  now: z.number(),
  worst: SmokeStatus,
  tiles: z.array(StatusTile),
  notificationsPausedUntil: z.number().nullable(),
  /** The machine's last sleep (its recorded `vigil` event) if it woke within 24 h: the Overview says "asleep from 02:10 to 06:45". */
  lastSleep: z.object({ from: z.number(), to: z.number() }).nullable(),
});
export type StatusSnapshot = z.infer<typeof StatusSnapshot>;

/** One step of the first-run checklist on the Overview, done or not by the core's own state. */
export const FirstRunItem = z.object({
  id: z.enum(['channel', 'host', 'source', 'alert']),
  done: z.boolean(),
  /** What is true now, in a sentence (which channel delivered its test message, how many hosts…). */
  detail: z.string(),
});
export type FirstRunItem = z.infer<typeof FirstRunItem>;

/** A pause of desktop notices: minutes from now (0 resumes), up to a day; the answer is until when. */
export const PauseFor = z
  .object({
    minutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60),
  })
  .strict();
export const Paused = z.object({ pausedUntil: z.number().nullable() });

export const systemApi = {
  'setup.checklist': method(
    z.object({}).strict(),
    z.object({ items: z.array(FirstRunItem), done: z.boolean() }),
    'The first-run checklist (add a channel and test it, add a host, point Alertmanager or Prometheus at Vigil, receive an alert).',
  ),
  'status.get': method(z.object({}).strict(), StatusSnapshot, 'Current status of the core, worst first.'),
  'notifications.pause': method(
    PauseFor,
    Paused,
    'Pause desktop notifications (0 resumes). Events are still stored and routed to other channels.',
  ),
  'notices.shown': method(
    z.object({ id: z.string().min(1).max(300), by: z.string().max(100).default('console') }).strict(),
    z.object({ delivered: z.boolean() }),
    'A console showed this desktop notice (headless: the desktop channel counts a message delivered only then).',
  ),
  'system.ping': method(z.object({ echo: z.string().max(200) }).strict(), z.object({ echo: z.string(), at: z.number() }), 'Round trip.'),
};
