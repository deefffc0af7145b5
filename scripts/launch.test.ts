import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVE_NODE_ARGS } from '../e2e/fixtures/serve';

// `vigil serve` runs with the same Node options however it is launched (R-SCALE-21): the `vigil` bin's shebang,
// `npm run serve` / `npm run demo`, and the fixture that starts it for the e2e tests and the benches, so a bench
// measures the server as it is run.
const root = join(__dirname, '..');

describe('how vigil serve is launched', () => {
  it('R-SCALE-21: the bin, the npm scripts and the test/bench fixture give Node the same options', () => {
    const shebang = readFileSync(join(root, 'scripts', 'vigil.mjs'), 'utf8').split('\n')[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${SERVE_NODE_ARGS.join(' ')}`);
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['serve', 'demo']) expect(scripts[name]).toContain(`node ${SERVE_NODE_ARGS.join(' ')} scripts/vigil.mjs ${name}`);
    expect(SERVE_NODE_ARGS).toContain('--v8-pool-size=0');
  });
});
