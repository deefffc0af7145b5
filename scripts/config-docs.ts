/**
 * docs/configuration.md, generated from the config's JSON Schema (itself generated from
 * the zod schema) with examples from resources/vigil.example.yaml. A unit test fails when
 * the committed file is stale: run `npm run docs:config` after changing the schema.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { configJsonSchema } from '../src-main/core/config';
import type { JsonSchemaNode } from '../src-shared/json-schema';

export const ROOT = join(__dirname, '..');
export const DOC_FILE = join(ROOT, 'docs', 'configuration.md');
/** Beside the example config, which names it on its first line for editors. */
export const SCHEMA_FILE = join(ROOT, 'resources', 'vigil.schema.json');
export const renderSchemaFile = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;

type Schema = JsonSchemaNode;
interface Row {
  key: string;
  type: string;
  default: string;
  example: string;
  description: string;
}
/** A path segment: a property name, a list item (`[]`), or the list items of one `type` (`[type=webhook]`). */
type Seg = string | { variant: string | null };

const alternatives = (s: Schema): Schema[] | undefined => s.anyOf ?? s.oneOf;
const isSecretRef = (s: Schema): boolean => !!s.properties && Object.keys(s.properties).join() === 'secret';
const isDuration = (s: Schema): boolean => /^a duration/.test(s.description ?? '');
const variantOf = (s: Schema): string | null => {
  const t = s.properties?.type?.const;
  return typeof t === 'string' ? t : null;
};

function typeOf(s: Schema): string {
  if (isDuration(s)) return 'duration';
  if (isSecretRef(s)) return '{ secret: NAME }';
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const alts = alternatives(s);
  if (alts) return [...new Set(alts.map(typeOf))].join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object') {
    if (s.properties) return 'object';
    if (typeof s.additionalProperties === 'object') return `map of ${typeOf(s.additionalProperties)}`;
    return 'object';
  }
  return Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
}

/** A made-up but valid example for keys that neither the example config nor a default shows. */
function syntheticExample(s: Schema & { format?: string; minimum?: number; pattern?: string }, key: string): unknown {
  if (isDuration(s)) return '30s';
  if (isSecretRef(s)) return { secret: key.split('.').pop()!.toLowerCase() };
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const alts = alternatives(s);
  if (alts) return syntheticExample(alts[0]!, key);
  switch (Array.isArray(s.type) ? s.type[0] : s.type) {
    case 'boolean':
      return true;
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'string':
      return s.format === 'uri'
        ? 'https://example.org/hook'
        : s.pattern?.startsWith('^([01]')
          ? '09:00'
          : s.pattern?.startsWith('^SHA256')
            ? 'SHA256:…'
            : 'name';
    case 'array':
      return s.items && !s.items.properties && !alternatives(s.items) ? [syntheticExample(s.items, key)] : undefined;
    case 'object':
      return typeof s.additionalProperties === 'object' ? { team: 'ops' } : undefined;
  }
  return undefined;
}

const keyOf = (path: Seg[]): string =>
  path.map((p, i) => (typeof p === 'string' ? (i === 0 ? p : `.${p}`) : p.variant ? `[type=${p.variant}]` : '[]')).join('');

/** The value at this path in the example config (the first list item of the right type). */
function exampleAt(example: unknown, path: Seg[]): unknown {
  let cur: unknown = example;
  for (const p of path) {
    if (cur === undefined || cur === null) return undefined;
    if (typeof p === 'string') cur = (cur as Record<string, unknown>)[p];
    else if (Array.isArray(cur)) cur = p.variant ? cur.find((x) => (x as { type?: unknown })?.type === p.variant) : cur[0];
    else return undefined;
  }
  return cur;
}

const show = (v: unknown): string => {
  if (v === undefined) return '';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return `\`${(text.length > 70 ? `${text.slice(0, 67)}…` : text).replace(/\|/g, '\\|')}\``;
};

function walk(s: Schema, path: Seg[], example: unknown, rows: Row[]): void {
  if (path.length && !(typeof path[path.length - 1] !== 'string' && !isDuration(s) && (s.properties || alternatives(s)))) {
    const key = keyOf(path);
    const found = exampleAt(example, path);
    const fromFile =
      found !== undefined && (typeof found !== 'object' || isSecretRef(s) || !(s.properties || alternatives(s) || s.type === 'array'))
        ? found
        : undefined;
    const ex =
      fromFile ??
      (s.default !== undefined && !(typeof s.default === 'object' && s.default && !Object.keys(s.default).length)
        ? s.default
        : syntheticExample(s, key));
    rows.push({
      key,
      type: typeOf(s),
      default: s.default === undefined ? '' : show(s.default),
      example: show(ex),
      description: (isDuration(s)
        ? ''
        : (s.description ?? (s.properties || s.items?.properties || (s.items && alternatives(s.items)) ? 'its keys follow' : ''))
      ).replace(/\|/g, '\\|'),
    });
  }
  if (isDuration(s) || isSecretRef(s)) return;
  if (s.properties) {
    for (const [k, child] of Object.entries(s.properties)) walk(child, [...path, k], example, rows);
    return;
  }
  if (s.type === 'array' && s.items) {
    const alts = alternatives(s.items);
    if (alts && alts.every((a) => variantOf(a))) for (const a of alts) walk(a, [...path, { variant: variantOf(a) }], example, rows);
    else if (s.items.properties || alts) walk(s.items, [...path, { variant: null }], example, rows);
    return;
  }
  const alts = alternatives(s);
  if (alts)
    for (const a of alts) if (a.properties) walk(a, path.length ? [...path.slice(0, -1), path[path.length - 1]!] : path, example, rows);
}

/** The whole document: one table per top-level section. */
export function renderConfigDocs(): string {
  const schema = configJsonSchema() as Schema;
  const example: unknown = parse(readFileSync(join(ROOT, 'resources', 'vigil.example.yaml'), 'utf8'));
  const out = [
    '# vigil.yaml reference',
    '',
    '<!-- Generated by `npm run docs:config` from the zod config schema (src-main/core/config/schema.ts). Do not edit by hand: a test fails when this file is stale. -->',
    '',
    'Every key Vigil reads, its type, its default and an example (from `resources/vigil.example.yaml` where it has one).',
    'Durations are written `500ms`, `30s`, `5m`, `4h`, `1d` or `1h30m` (or as milliseconds). `{ secret: NAME }` values are never',
    'written in the file: they come from the keychain (desktop), `VIGIL_SECRET_<NAME>` or `<data-dir>/secrets.json`.',
    'Editors get completion and checking from the JSON Schema: `vigil config schema > vigil.schema.json` and the first line',
    '`# yaml-language-server: $schema=./vigil.schema.json` (as in the example config).',
    '',
  ];
  for (const [section, s] of Object.entries(schema.properties ?? {})) {
    const rows: Row[] = [];
    walk(s, [section], example, rows);
    out.push(`## \`${section}\``, '', '| key | type | default | example | notes |', '|---|---|---|---|---|');
    for (const r of rows) out.push(`| \`${r.key}\` | ${r.type} | ${r.default} | ${r.example} | ${r.description} |`);
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === __filename) {
  writeFileSync(DOC_FILE, renderConfigDocs());
  writeFileSync(SCHEMA_FILE, renderSchemaFile());
  process.stdout.write(`wrote ${DOC_FILE} and ${SCHEMA_FILE}\n`);
}
