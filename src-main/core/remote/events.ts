import type { IntakeEvent } from '../router';

/** An event for the router's intake (host keys, SSH probes, AutoHeal escalations). */
export type RemoteEvent = IntakeEvent;

/** Where remote/heal events go: wired to router.ingest in app.ts. Must not throw. */
export type EventSink = (e: RemoteEvent, via: string) => void;
