#!/usr/bin/env -S node --v8-pool-size=0
// `vigil` CLI launcher: runs the built headless shell (npm run build writes out/main/cli.js).
// --v8-pool-size=0: V8's background threads (GC helpers, compilers) sized to the machine (cores - 1) instead of
// Node's fixed 4. They run at normal priority for every thread's isolate, the niced decider's too, so on a small
// machine four of them compete with the main thread that answers /health (docs/architecture.md "Threads").
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('vigil: not built yet; run `npm run build` first\n');
  process.exit(1);
}
const { main } = createRequire(import.meta.url)(cli);
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`vigil: ${err?.message ?? err}\n`);
    process.exit(1);
  },
);
