import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering is enforced by lint (eslint.config.mjs): a deliberate violation must fail.
// Each case is a one-line module importing `from` as if it lived at `file`.
const eslint = new ESLint({ cwd: process.cwd() });
const violations = async (file: string, from: string, rule = 'no-restricted-imports') => {
  const [res] = await eslint.lintText(`import * as m from '${from}';\nexport const a = m;\n`, { filePath: file });
  return res!.messages.filter((m) => m.ruleId === rule).length;
};

const ELECTRON = 'electron';
const cases: Array<[what: string, file: string, from: string, refused: boolean]> = [
  ['core may not import electron', 'src-main/core/router/x.ts', ELECTRON, true],
  ['core may not import a shell', 'src-main/core/x.ts', '../headless/cli', true],
  ['src-shared may not import electron', 'src-shared/x.ts', ELECTRON, true],
  ['src-shared may not import Node modules', 'src-shared/x.ts', 'node:fs', true],
  ['src-shared may not import Node-only packages', 'src-shared/x.ts', 'better-sqlite3', true],
  ['the renderer may not import electron', 'src-renderer/x.ts', ELECTRON, true],
  ['the renderer may not import Node modules', 'src-renderer/x.ts', 'path', true],
  ['the renderer may not import src-main', 'src-renderer/pages/x.ts', '../../src-main/core/app', true],
  ['the renderer may import src-shared', 'src-renderer/pages/x.ts', '../../src-shared/api', false],
  ['the Electron shell may import electron', 'src-main/electron/x.ts', ELECTRON, false],
];

describe('architecture: dependencies point inward (lint-enforced)', () => {
  it.each(cases)('%s', async (_what, file, from, refused) => {
    expect(await violations(file, from)).toBe(refused ? 1 : 0);
  });
});

// Areas of the core (folders under src-main/core) are imported only through their index.ts (scripts/eslint-area-imports.mjs).
const areaCases: Array<[what: string, file: string, from: string, refused: boolean]> = [
  ['an area may not reach into another area', 'src-main/core/ack/x.ts', '../router/router', true],
  ['a nested module may not reach into another area', 'src-main/core/router/noise/x.ts', '../../store/events', true],
  ['a shell may not reach into an area', 'src-main/headless/routes/x.ts', '../../core/router/group-commit', true],
  ['a benchmark may not reach into an area', 'bench/x.ts', '../src-main/core/router/router', true],
  ["production code may not import another area's test support", 'src-main/core/ack/service.ts', '../notify/testing', true],
  ['an area may not import the composition root', 'src-main/core/smoke/x.ts', '../app', true],
  ['an area may import another through its index', 'src-main/core/ack/x.ts', '../router', false],
  ['an area may import another through its index (nested)', 'src-main/core/router/noise/x.ts', '../../store', false],
  ['inside an area relative imports are free', 'src-main/core/router/noise/x.ts', '../stages/outbox', false],
  ['an area may import the shared context', 'src-main/core/ack/x.ts', '../context', false],
  ['tests of an area may import its internals', 'src-main/core/router/x.test.ts', './router', false],
  ["tests may import another area's test support", 'src-main/core/ack/x.test.ts', '../notify/testing', false],
  ['tests may build a whole core', 'src-main/core/ack/x.test.ts', '../app', false],
  ['a shell may import the composition root', 'src-main/headless/x.ts', '../core/app', false],
];

describe('architecture: areas are imported through their index (lint-enforced)', () => {
  it.each(areaCases)('%s', async (_what, file, from, refused) => {
    expect(await violations(file, from, 'vigil/area-imports')).toBe(refused ? 1 : 0);
  });
});
