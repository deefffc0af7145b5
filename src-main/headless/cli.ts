import { commands, EXIT } from './commands';

/** `vigil <command> …`: the headless shell's entry point. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`usage:\n${commands.map((c) => `  ${c.usage}`).join('\n')}\n`);
    return name ? EXIT.usage : EXIT.usage;
  }
  return cmd.run(rest);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`vigil: ${err.message}\n`);
      process.exit(EXIT.error);
    },
  );
}
