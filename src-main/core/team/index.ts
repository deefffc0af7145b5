/** Connected mode: a desktop that uses a team `vigil serve` (R-PEOPLE-2, issue 18.4). */
export { connectTeam, type TeamClient, type TeamConfig, type TeamState } from './client';
export { sendRequest, type Answer } from './request';
export { fingerprintOf, normalisePin, pinnedAgent, presentedFingerprint, PinMismatchError } from './pin';
