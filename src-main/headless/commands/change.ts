import { readFileSync } from 'node:fs';
import { apiToken, cli, CliExit, parseCommand, usageError } from './args';
import { EXIT, type Command } from './command';
import { callServer, pinFor, refusal } from './server';

const USAGE =
  'vigil change add --service S [--host H]… [--kind deploy|config|flag|migration|manual] [--version V] [--commit SHA] [--author A] [--link URL] [--at ISO] [--summary TEXT] [--diff-file F|-] [--url http://127.0.0.1:7300] [--pin SHA256] [--token T] [--data-dir DIR]';

/**
 * `vigil change add`: tell a running Vigil about a change, from a deploy
 * script. It posts to `POST /api/v1/changes` (so the running core reviews
 * and shows it at once); the token comes from --token, $VIGIL_TOKEN or the data dir.
 */
export const changeCommand: Command = {
  name: 'change',
  usage: USAGE,
  run: cli(async (argv) => {
    const { positionals, values: v } = parseCommand(argv, USAGE, {
      kind: { type: 'string' },
      service: { type: 'string' },
      host: { type: 'string', multiple: true },
      version: { type: 'string' },
      commit: { type: 'string' },
      author: { type: 'string' },
      link: { type: 'string' },
      at: { type: 'string' },
      summary: { type: 'string' },
      'diff-file': { type: 'string' },
      url: { type: 'string' },
      pin: { type: 'string' },
      token: { type: 'string' },
      'data-dir': { type: 'string' },
    });
    if (positionals.length !== 1 || positionals[0] !== 'add') throw usageError(USAGE);
    const token = apiToken(v);
    let diff: string | undefined;
    try {
      diff = v['diff-file'] === undefined ? undefined : readFileSync(v['diff-file'] === '-' ? 0 : v['diff-file'], 'utf8');
    } catch (e) {
      throw new CliExit(EXIT.error, `cannot read --diff-file: ${(e as Error).message}`);
    }
    const body = {
      kind: v.kind,
      service: v.service,
      hosts: v.host ?? [],
      version: v.version,
      commit: v.commit,
      author: v.author ?? process.env.USER,
      link: v.link,
      at: v.at,
      summary: v.summary,
      diff,
      source: 'cli',
    };
    let url: URL;
    try {
      url = new URL('/api/v1/changes', v.url ?? process.env.VIGIL_URL ?? 'http://127.0.0.1:7300');
    } catch {
      throw usageError(USAGE, `--url "${v.url}" is not a URL`);
    }
    const answer = await callServer(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) },
      pinFor(url, v),
    );
    if (answer.status < 200 || answer.status > 299) {
      process.stderr.write(`${refusal(answer)}\n`);
      return answer.status === 400 ? EXIT.usage : answer.status === 401 || answer.status === 403 ? EXIT.denied : EXIT.error;
    }
    const text = answer.body;
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return EXIT.ok;
  }),
};
