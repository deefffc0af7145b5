import { copyFileSync, existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { parseDocument } from 'yaml';
import type { ConfigIssue } from '../../../src-shared/api/config';
import { ConfigSchema } from './schema';
import { writeFileAtomic0600 } from './secrets';

/** The YAML text as plain data, durations as written ("5m"): what the Settings forms edit. */
export function documentOf(text: string): Record<string, unknown> {
  const js: unknown = parseDocument(text).toJS();
  return js && typeof js === 'object' && !Array.isArray(js) ? (js as Record<string, unknown>) : {};
}

/**
 * The new file text: only top-level sections that changed are rewritten, so the
 * comments and layout of every other section stay as the person wrote them.
 */
export function renderDocument(currentText: string, next: Record<string, unknown>): string {
  const doc = parseDocument(currentText);
  const before = documentOf(currentText);
  for (const key of Object.keys(before)) if (!(key in next)) doc.delete(key);
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined || isDeepStrictEqual(before[key], value)) continue;
    doc.set(key, doc.createNode(value));
  }
  return doc.toString({ lineWidth: 0 });
}

/** Validate with the config schema itself (the same zod schema a reload uses): issues name the key path. */
export function validateDocument(document: Record<string, unknown>): ConfigIssue[] {
  const parsed = ConfigSchema.safeParse(document);
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
}

export function diffText(file: string, before: string, after: string): string {
  return createTwoFilesPatch(file, file, before, after, 'on disk', 'after saving', { context: 3 });
}

/** Write the config atomically; the previous version stays beside it as `<file>.prev`. */
export function writeConfigFile(file: string, text: string): void {
  if (existsSync(file)) copyFileSync(file, `${file}.prev`);
  writeFileAtomic0600(file, text);
}
