import { copyFileSync, existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { isMap, isScalar, parseDocument, stringify } from 'yaml';
import type { ConfigIssue } from '../../../src-shared/api/config';
import { ConfigSchema } from './schema';
import { writeFileAtomic0600 } from './secrets';

/** The YAML text as plain data, durations as written ("5m"): what the Settings forms edit. */
export function documentOf(text: string): Record<string, unknown> {
  const js: unknown = parseDocument(text).toJS();
  return js && typeof js === 'object' && !Array.isArray(js) ? (js as Record<string, unknown>) : {};
}

/**
 * The new file text: only top-level sections that changed are rewritten, in place; every
 * other section keeps its exact text (comments, flow style, spacing) as the person wrote it.
 */
export function renderDocument(currentText: string, next: Record<string, unknown>): string {
  const doc = parseDocument(currentText);
  const before = documentOf(currentText);
  const section = (key: string, value: unknown): string => stringify({ [key]: value }, { lineWidth: 0 });
  if (!isMap(doc.contents)) {
    return Object.entries(next)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => section(k, v))
      .join('');
  }
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const keyRange = (pair.key as { range?: [number, number, number] }).range;
    const valueRange = (pair.value as { range?: [number, number, number] } | null)?.range;
    if (!keyRange) continue;
    const start = keyRange[0];
    const end = valueRange?.[1] ?? keyRange[2];
    if (!(key in next) || next[key] === undefined) edits.push({ start, end, text: '' });
    else if (!isDeepStrictEqual(before[key], next[key])) {
      // A block section's range ends after its line break, a flow one's before it.
      const text = section(key, next[key]);
      edits.push({ start, end, text: currentText[end - 1] === '\n' ? text : text.replace(/\n$/, '') });
    }
  }
  let text = currentText;
  for (const e of edits.sort((a, b) => b.start - a.start)) {
    // A removed section takes its line break with it.
    const end = e.text === '' && text[e.end] === '\n' ? e.end + 1 : e.end;
    text = text.slice(0, e.start) + e.text + text.slice(end);
  }
  const added = Object.entries(next).filter(([k, v]) => v !== undefined && !(k in before));
  if (added.length) text = `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${added.map(([k, v]) => section(k, v)).join('')}`;
  return text;
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
