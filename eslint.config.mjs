// Layering (after VS Code's code-layering): shells → core → shared; renderer → shared.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import vigil from './scripts/eslint-area-imports.mjs';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const nodeOnlyPackages = ['better-sqlite3', 'ssh2', 'pino', 'prom-client', 'fastify', '@fastify/*', 'sqlite-vec', 'croner', 'yaml'];
const electron = { name: 'electron', message: 'Only src-main/electron may import electron.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-output/**', 'e2e/output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Areas of the core are imported through their index.ts only (scripts/eslint-area-imports.mjs).
    files: ['src-main/**/*.{ts,tsx}', 'bench/**/*.ts', 'e2e/**/*.ts', 'scripts/**/*.ts'],
    plugins: { vigil },
    rules: { 'vigil/area-imports': 'error' },
  },
  {
    files: ['src-shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron, ...nodeBuiltins.map((name) => ({ name, message: 'src-shared runs in the renderer too: no Node modules.' }))],
          patterns: [
            { group: nodeOnlyPackages, message: 'src-shared runs in the renderer too: no Node-only packages.' },
            {
              group: ['**/src-main/**', '**/src-renderer/**', '../src-main/*', '../src-renderer/*'],
              message: 'src-shared imports nothing else of Vigil.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            { group: ['electron/*'], message: 'core never imports electron.' },
            {
              group: ['**/electron/**', '**/headless/**', '**/src-renderer/**'],
              message: 'Dependencies point inward: core must not import a shell or the renderer.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/headless/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [{ group: ['**/electron/**', '**/src-renderer/**'], message: 'The headless shell uses only core and shared.' }],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            electron,
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer has no Node: ask the core through the ConsoleApi.' })),
          ],
          patterns: [
            { group: nodeOnlyPackages, message: 'The renderer has no Node-only packages.' },
            { group: ['**/src-main/**', '../src-main/*', '../../src-main/*'], message: 'src-renderer imports only src-shared.' },
          ],
        },
      ],
    },
  },
);
