/** A CLI sub-command: gets argv after its name, returns the exit code. */
export interface Command {
  name: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

export const EXIT = { ok: 0, error: 1, usage: 2, denied: 3 } as const;
