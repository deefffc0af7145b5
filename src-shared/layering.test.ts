import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering is enforced by lint (eslint.config.mjs): a deliberate violation must fail.
const eslint = new ESLint({ cwd: process.cwd() });
const violations = async (filePath: string, code: string) => {
  const [res] = await eslint.lintText(code, { filePath });
  return res!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
};

describe('architecture: dependencies point inward (lint-enforced)', () => {
  it('core may not import electron', async () => {
    expect(await violations('src-main/core/router/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
  });
  it('core may not import a shell', async () => {
    expect(await violations('src-main/core/x.ts', "import { main } from '../headless/cli';\nexport const a = main;\n")).toHaveLength(1);
  });
  it('src-shared may not import electron, Node modules or Node-only packages', async () => {
    expect(await violations('src-shared/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await violations('src-shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toHaveLength(1);
    expect(await violations('src-shared/x.ts', "import Database from 'better-sqlite3';\nexport const a = Database;\n")).toHaveLength(1);
  });
  it('the renderer imports only src-shared: no electron, no Node, no src-main', async () => {
    expect(await violations('src-renderer/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).toHaveLength(1);
    expect(await violations('src-renderer/x.ts', "import { join } from 'path';\nexport const a = join;\n")).toHaveLength(1);
    expect(await violations('src-renderer/pages/x.ts', "import { createCore } from '../../src-main/core/app';\nexport const a = createCore;\n")).toHaveLength(1);
    expect(await violations('src-renderer/pages/x.ts', "import { consoleApi } from '../../src-shared/api';\nexport const a = consoleApi;\n")).toHaveLength(0);
  });
  it('the Electron shell may import electron', async () => {
    expect(await violations('src-main/electron/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(0);
  });
});
