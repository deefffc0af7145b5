import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// README's "Layout" and docs/architecture.md describe the tree; this keeps them true as areas come and go.
const ROOT = process.cwd();
const CORE = 'src-main/core';
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

/** A heading's section: from the heading to the next heading of the same level. */
function section(md: string, heading: string): string {
  const start = md.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no "${heading}" section`);
  const next = md.indexOf('\n## ', start + heading.length + 2);
  return md.slice(start, next < 0 ? undefined : next);
}

/** The first fenced block of a section: the tree drawing. */
function fence(text: string): string {
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(text);
  if (!m) throw new Error('no fenced tree in the section');
  return m[1]!;
}

// A path as the docs write one: lower-case segments joined by '/', optionally ending in '/'.
const PATH = /^[a-z0-9_.-]+(\/[a-z0-9_.-]+)*\/?$/;
const isPath = (s: string) => (s.includes('/') || s.endsWith('.ts')) && PATH.test(s);

/** Paths named in backticks in prose (`store/db.ts`, `e2e/`, `src-main/core`), and every path-shaped word of a tree drawing. */
const inBackticks = (text: string) =>
  [...text.matchAll(/`([^`\n]+)`/g)]
    .map((m) => m[1]!)
    .filter((s) => isPath(s) && s.includes('/') && (/(\/|\.[a-z]+)$/.test(s) || s.startsWith('src-')));
const inTree = (tree: string) =>
  tree
    .split(/\s+/)
    .map((w) => w.replace(/[,;:)]+$/, ''))
    .filter(isPath);

/** Where a named path may live: from the repository root, from src-main (`core/…`) or from the core (`store/…`). */
const exists = (p: string) => [p, `src-main/${p}`, `${CORE}/${p}`].some((c) => existsSync(join(ROOT, c)));

/** The core's top-level folders that hold code (its areas and its contract tests). */
const coreFolders = () =>
  readdirSync(join(ROOT, CORE), { withFileTypes: true })
    .filter((d) => d.isDirectory() && readdirSync(join(ROOT, CORE, d.name), { recursive: true }).some((f) => String(f).endsWith('.ts')))
    .map((d) => d.name)
    .sort();

const readme = () => section(read('README.md'), '## Layout');
const arch = () => read('docs/architecture.md');
const docs: Record<string, () => { tree: string; prose: string }> = {
  "README's Layout": () => ({ tree: fence(readme()), prose: readme() }),
  "docs/architecture.md's core layout": () => ({ tree: fence(section(arch(), '## Layout of the core')), prose: arch() }),
};

describe('R-ARCH-3: the docs describe the tree as it is', () => {
  it.each(Object.keys(docs))('every folder or file %s names exists', (doc) => {
    const d = docs[doc]!();
    const named = [...new Set([...inTree(d.tree), ...inBackticks(d.prose)])];
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((p) => !exists(p))).toEqual([]);
  });

  it.each(Object.keys(docs))("every top-level folder of src-main/core is in %s's tree", (doc) => {
    const d = docs[doc]!();
    const words = new Set(inTree(d.tree).map((p) => p.replace(/\/$/, '').split('/').at(-1)));
    const folders = coreFolders();
    expect(folders.length).toBeGreaterThan(10);
    expect(folders.filter((f) => !words.has(f))).toEqual([]);
  });
});
