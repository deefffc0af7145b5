import type { Command } from './command';

// Kept apart from this list so that modules the commands share can use them without an import cycle.
export { EXIT, type Command } from './command';

import { auditCommand } from './audit';
import { changeCommand } from './change';
import { configCommand } from './config';
import { demoCommand } from './demo';
import { exportCommand } from './export';
import { memoryCommand } from './memory';
import { policyCommand } from './policy';
import { serveCommand } from './serve';
import { intakeTokenCommand, userCommand } from './user';

/** Every sub-command, one module each. */
export const commands: Command[] = [
  serveCommand,
  demoCommand,
  configCommand,
  memoryCommand,
  exportCommand,
  policyCommand,
  auditCommand,
  changeCommand,
  userCommand,
  intakeTokenCommand,
];
