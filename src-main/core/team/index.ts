/** Connected mode: a desktop that uses a team `vigil serve` (R-PEOPLE-2, R-TEAM-1, R-TEAM-2; issue 18.4). */
export { connectTeam, type TeamClient, type TeamConfig, type TeamState } from './client';
export { sendRequest, type Answer } from './request';
export { fingerprintOf, normalisePin, pinnedAgent, presentedFingerprint, PinMismatchError } from './pin';
export { localBackend, teamBackend, type Backend, type LocalCore } from './backend';
export { watchTeam, type TeamLink } from './link';
export { teamSettings, type SavedTeam, type TeamSettings } from './settings';
export { desktopMode, teamUrl, type DesktopMode, type DesktopModeDeps } from './mode';
