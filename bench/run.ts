// `npm run bench -- <name>`: runs bench/<name>.ts; with no name, every benchmark in turn.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
// No top-level await: package.json has no "type": "module", so tsx runs this file as CommonJS.
async function main(): Promise<void> {
  for (const name of wanted.length ? wanted : all) {
    console.log(`\n=== bench ${name} ===`);
    const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { default: () => Promise<void> };
    await mod.default();
  }
}
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
