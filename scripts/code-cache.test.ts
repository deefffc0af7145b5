import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodeModule from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The launcher's code cache (scripts/code-cache.mjs) in a child process each time, as `vigil` runs it: the hook
// replaces how Node compiles modules, which must not leak into the test runner.
const HOOK = pathToFileURL(resolve(__dirname, 'code-cache.mjs')).href;
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(): { root: string; cache: string } {
  const base = mkdtempSync(join(tmpdir(), 'vigil-code-cache-'));
  dirs.push(base);
  const root = join(base, 'out', 'main');
  mkdirSync(root, { recursive: true });
  // A module with a function compiled lazily (called after load), as most of the bundle's are.
  writeFileSync(join(root, 'mod.js'), 'exports.answer = () => [40, 2].reduce((a, b) => a + b);\n');
  return { root, cache: join(base, 'cache') };
}

/** Start a process that loads `mod.js` through the hook and lets the cache be written; its stats and answer. */
function start(root: string, cache: string): { answer: number; fromCache: number; compiled: number; dir: string | null } {
  const script = `
    const { installCodeCache } = await import(${JSON.stringify(HOOK)});
    const stats = installCodeCache(${JSON.stringify(root)}, 0);
    const answer = (await import('node:module')).createRequire(import.meta.url)(${JSON.stringify(join(root, 'mod.js'))}).answer();
    setTimeout(() => console.log(JSON.stringify({ answer, ...stats })), 50);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, XDG_CACHE_HOME: cache },
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { answer: number; fromCache: number; compiled: number; dir: string | null };
}

const onNode20 = !('enableCompileCache' in nodeModule);

describe.runIf(onNode20)('code cache of the built bundle', () => {
  it('R-SCALE-1: the second start loads the bundle from a cache only this user can read or write', () => {
    const { root, cache } = setup();
    const first = start(root, cache);
    expect(first).toMatchObject({ answer: 42, fromCache: 0, compiled: 1 });
    const dir = first.dir!;
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [entry] = readdirSync(dir);
    expect(statSync(join(dir, entry!)).mode & 0o777).toBe(0o600);
    expect(start(root, cache)).toMatchObject({ answer: 42, fromCache: 1, compiled: 0 });
  });

  it('R-SCALE-1: a corrupt cache entry is compiled again and replaced; a cache folder others can write is not used', () => {
    const { root, cache } = setup();
    const { dir } = start(root, cache);
    const entry = join(dir!, readdirSync(dir!)[0]!);
    writeFileSync(entry, 'not V8 code cache data');
    expect(start(root, cache)).toMatchObject({ answer: 42, fromCache: 0, compiled: 1 });
    expect(start(root, cache)).toMatchObject({ answer: 42, fromCache: 1 }); // the bad entry was rewritten
    chmodSync(dir!, 0o777);
    expect(start(root, cache)).toMatchObject({ answer: 42, fromCache: 0, compiled: 0, dir: null });
  });
});
