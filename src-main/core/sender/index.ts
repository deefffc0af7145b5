// The sender area as the rest of Vigil sees it: import it through this file only (lint-enforced).
export { startSender } from './client';
export { SENDER_THREAD_NAME } from './protocol';
