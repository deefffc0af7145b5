/** A CLI sub-command: gets argv after its name, returns the exit code. */
export interface Command {
  name: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

export const EXIT = { ok: 0, error: 1, usage: 2, denied: 3 } as const;

import { auditCommand } from './audit';
import { changeCommand } from './change';
import { configCommand } from './config';
import { exportCommand } from './export';
import { memoryCommand } from './memory';
import { policyCommand } from './policy';
import { serveCommand } from './serve';
import { intakeTokenCommand, userCommand } from './user';

/** Every sub-command, one module each. */
export const commands: Command[] = [
  serveCommand,
  configCommand,
  memoryCommand,
  exportCommand,
  policyCommand,
  auditCommand,
  changeCommand,
  userCommand,
  intakeTokenCommand,
];
