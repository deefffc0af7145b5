// Intake adapters: normalise what arrives (webhooks, Alertmanager's API, HTTP probes) into router IntakeEvents.
export { normaliseAmWebhook, normalisePostableAlerts } from './alertmanager';
export { normaliseGeneric, type Checked, type Normalised } from './normalise';
export { createAmPoller } from './alertmanager-poller';
export { createHttpProbe } from './http-probe';
export { labelFingerprint } from './normalise';
export { ProbeTracker } from './probe-state';
export { probeNow } from './probe-now';
export { INTAKE_CHECKS, INTAKE_READERS, type IntakeKind } from './readers';
