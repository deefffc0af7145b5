import { z } from 'zod';
import { AlertStatus, Severity } from '../constants';
import { method } from './define';

/** Signal over noise (R-NOISE-5): why an event was held back, and what it would have sent. */

export const HeldBy = z.object({
  /** The stage whose rule held it: dedupe, silence, mute, severity, route, flap, burst, group … */
  stage: z.string(),
  at: z.number(),
  detail: z.string(),
});

export const WouldHaveSent = z.object({
  eventId: z.string(),
  outcome: z.string().nullable(),
  /** true: it was notified on its own (nothing held it back). */
  notified: z.boolean(),
  /** Every rule that held it back, in pipeline order (empty when notified). */
  heldBy: z.array(HeldBy),
  /** The channels its route names (empty: no route matches it). */
  channels: z.array(z.string()),
  /** The message the route would have produced for it alone, without any suppression. */
  message: z.object({ kind: z.string(), title: z.string(), body: z.string(), severity: Severity, status: AlertStatus }),
});
export type WouldHaveSent = z.infer<typeof WouldHaveSent>;

export const noiseApi = {
  'events.wouldHaveSent': method(
    z.object({ id: z.string().min(1) }).strict(),
    WouldHaveSent,
    'For one event: which rule held its notification back, and the message and channels it would have produced without suppression.',
  ),
};
