import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering is enforced by lint (eslint.config.mjs): a deliberate violation must fail.
// Each case is a one-line module importing `from` as if it lived at `file`.
const eslint = new ESLint({ cwd: process.cwd() });
const violations = async (file: string, from: string) => {
  const [res] = await eslint.lintText(`import * as m from '${from}';\nexport const a = m;\n`, { filePath: file });
  return res!.messages.filter((m) => m.ruleId === 'no-restricted-imports').length;
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
