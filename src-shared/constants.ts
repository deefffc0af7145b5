import { z } from 'zod';

export const Severity = z.enum(['info', 'warning', 'critical']);
export type Severity = z.infer<typeof Severity>;

export const AlertStatus = z.enum(['firing', 'resolved']);
export type AlertStatus = z.infer<typeof AlertStatus>;

/** OK < Warning < Critical; numeric values match vigil_smoke_status. */
export const SmokeStatus = z.enum(['ok', 'warning', 'critical']);
export type SmokeStatus = z.infer<typeof SmokeStatus>;
export const smokeStatusValue: Record<SmokeStatus, number> = { ok: 0, warning: 1, critical: 2 };

export function worstStatus(list: readonly SmokeStatus[]): SmokeStatus {
  let worst: SmokeStatus = 'ok';
  for (const s of list) if (smokeStatusValue[s] > smokeStatusValue[worst]) worst = s;
  return worst;
}

/** The action ladder: what an automated decision may do. */
export const ActionLevel = { L0: 0, L1: 1, L2: 2, L3: 3 } as const;
export type ActionLevel = (typeof ActionLevel)[keyof typeof ActionLevel];

export const AGENTS = ['hermes', 'nemotron', 'openclaw', 'elephant'] as const;
export type AgentName = (typeof AGENTS)[number];

export const PAGES = [
  'alerts',
  'overview',
  'events',
  'queues',
  'approvals',
  'incidents',
  'memory',
  'hosts',
  'silences',
  'smoke',
  'settings',
  'audit',
  'people',
] as const;
export type PageName = (typeof PAGES)[number];
