import type { AlertStatus, Severity } from '../../../src-shared/constants';

/** An event for the router's intake (same shape as router IntakeEvent). */
export interface RemoteEvent {
  source: string;
  fingerprint: string;
  severity: Severity;
  status: AlertStatus;
  summary: string;
  description: string | null;
  labels: Record<string, string>;
  startsAt: number | null;
  endsAt: number | null;
}

/** Where remote/heal events go: wired to router.ingest in app.ts. Must not throw. */
export type EventSink = (e: RemoteEvent, via: string) => void;
