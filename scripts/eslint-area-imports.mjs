// ESLint rule vigil/area-imports: each folder under src-main/core is an area that others import only through its
// index.ts. Inside an area relative imports are free; test code (tests, an area's testing.ts/testbed.ts, bench/,
// e2e/) may also import another area's test support. No area imports app.ts, the composition root that imports
// every area (that made one circle of the whole core).
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';

const TEST_SUPPORT = new Set(['testing', 'testbed']);

const isTestCode = (file, root) => {
  const rel = relative(root, file).split(sep);
  return /\.test\.tsx?$/.test(file) || TEST_SUPPORT.has(basename(file).replace(/\.tsx?$/, '')) || rel[0] === 'bench' || rel[0] === 'e2e';
};

/** The area a path lies in (first folder below src-main/core) and the rest of its path, or null. */
function areaOf(path, core) {
  const rel = relative(core, path);
  if (rel.startsWith('..') || rel === '') return null;
  const parts = rel.split(sep);
  if (parts.length === 1) {
    // core/<name>: a folder (an area's index) or a top-level module such as core/context.ts.
    const isDir = existsSync(path) && statSync(path).isDirectory();
    return isDir ? { area: parts[0], rest: '' } : null;
  }
  return {
    area: parts[0],
    rest: parts
      .slice(1)
      .join('/')
      .replace(/\.(ts|tsx|js|mjs)$/, ''),
  };
}

export const areaImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Areas of src-main/core are imported only through their index.ts; no area imports app.ts' },
    schema: [],
    messages: {
      deep: "'{{from}}' reaches into the {{area}} area: import it through its index ('{{index}}'), and export what you need from there.",
      app: 'An area must not import app.ts (the composition root): take what you need from core/context.ts or as a port from createCore.',
    },
  },
  create(context) {
    const root = context.cwd;
    const core = resolve(root, 'src-main/core');
    const file = context.filename;
    const own = areaOf(file, core);
    const testCode = isTestCode(file, root);
    const check = (node) => {
      const from = node.source?.value;
      if (typeof from !== 'string' || !from.startsWith('.')) return;
      const target = resolve(dirname(file), from);
      if (own && !testCode && target.replace(/\.ts$/, '') === resolve(core, 'app')) {
        context.report({ node: node.source, messageId: 'app' });
        return;
      }
      const t = areaOf(target, core);
      if (!t || t.rest === '' || t.rest === 'index' || t.area === own?.area) return;
      if (testCode && TEST_SUPPORT.has(t.rest)) return;
      let index = relative(dirname(file), resolve(core, t.area)).split(sep).join('/');
      if (!index.startsWith('.')) index = `./${index}`;
      context.report({ node: node.source, messageId: 'deep', data: { from, area: t.area, index } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default { rules: { 'area-imports': areaImports } };
