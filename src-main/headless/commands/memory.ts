import { cli, dispatch, parseCommand, usageError, withLocalCore } from './args';
import { EXIT, type Command } from './command';

const USAGE = 'vigil memory search "<query>" [--mode auto|semantic|keyword] [--limit N] [--data-dir DIR] [--config FILE]';

/** `vigil memory search`: OpenClaw recall from the shell, one JSON object per line (best first). */
export const memoryCommand: Command = {
  name: 'memory',
  usage: USAGE,
  run: cli(async (argv) => {
    const { positionals, values } = parseCommand(argv, USAGE, {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      mode: { type: 'string', default: 'auto' },
      limit: { type: 'string', default: '10' },
    });
    if (positionals[0] !== 'search' || positionals.length !== 2) throw usageError(USAGE);
    return withLocalCore(values, async (core) => {
      const { used, note, results } = (await dispatch(core, 'memory.search', {
        query: positionals[1],
        mode: values.mode,
        limit: Number(values.limit),
      })) as { used: string; note: string | null; results: Array<{ insight: unknown; score: number; via: string[] }> };
      if (note) process.stderr.write(`note: ${note}\n`);
      results.forEach((h, k) =>
        process.stdout.write(`${JSON.stringify({ rank: k + 1, used, score: h.score, via: h.via, insight: h.insight })}\n`),
      );
      return EXIT.ok;
    });
  }),
};
