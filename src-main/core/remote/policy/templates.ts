import { posix } from 'node:path';
import { compileLinear } from '../../regex';
import { looksLikeSecretFile } from './rules';

/** Typed argument of a command template (R-HEAL-1). */
export type ParamSpec =
  | { type: 'enum'; values: string[] }
  | { type: 'int'; min: number; max: number }
  | { type: 'identifier'; pattern?: string }
  | { type: 'path'; roots?: string[] };

export interface Template {
  id: string;
  description: string;
  /** What a person types: words, `{name}` placeholders (a placeholder may sit inside a word). */
  pattern: string[];
  /** What is sent (defaults to pattern); fixed extras such as a docker --format go here. */
  send?: string[];
  params: Record<string, ParamSpec>;
  /** Only for hosts carrying one of these tags (none: every host). */
  tags?: string[];
}

/** Units, containers, images: starts with a letter or digit (never an option), no spaces or metacharacters. */
export const DEFAULT_IDENTIFIER = '^[A-Za-z0-9][A-Za-z0-9_.@:+-]{0,127}$';

const PLACEHOLDER = /(?<!\{)\{([a-z][A-Za-z0-9_]*)\}(?!\})/g;

export function placeholders(word: string): string[] {
  return [...word.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function wordRegex(word: string): RegExp {
  let src = '';
  let last = 0;
  for (const m of word.matchAll(PLACEHOLDER)) {
    src += escapeRe(word.slice(last, m.index)) + '(.+?)';
    last = m.index! + m[0].length;
  }
  return new RegExp(`^${src}${escapeRe(word.slice(last))}$`);
}

/** Check one value against its type; a sentence saying what is wrong, or null. */
export function checkParam(name: string, spec: ParamSpec, value: string, defaultRoots: string[]): string | null {
  switch (spec.type) {
    case 'enum':
      return spec.values.includes(value) ? null : `${name} must be one of ${spec.values.join(', ')} (got "${value}")`;
    case 'int': {
      if (!/^\d{1,9}$/.test(value)) return `${name} must be a whole number (got "${value}")`;
      const n = Number(value);
      return n >= spec.min && n <= spec.max ? null : `${name} must be between ${spec.min} and ${spec.max} (got ${n})`;
    }
    case 'identifier':
      return compileLinear(spec.pattern ?? DEFAULT_IDENTIFIER).test(value)
        ? null
        : `${name} "${value}" is not a valid name (letters, digits, . _ @ : + -, not starting with -)`;
    case 'path': {
      const roots = spec.roots ?? defaultRoots;
      if (!value.startsWith('/')) return `${name} must be an absolute path`;
      if (value.split('/').includes('..') || posix.normalize(value) !== value || (value.length > 1 && value.endsWith('/')))
        return `${name} "${value}" must be a plain path without "..", "//" or a trailing "/"`;
      if (looksLikeSecretFile(value)) return `${name} "${value}" looks like a key or secret file`;
      if (!roots.some((r) => value === r || value.startsWith(r.endsWith('/') ? r : r + '/')))
        return `${name} "${value}" is outside the allowed roots (${roots.join(', ')})`;
      return null;
    }
  }
}

export type MatchResult = { ok: true; values: Record<string, string> } | { ok: false; structural: boolean; reason: string };

/** Match words against one template: structure first, then every typed value. */
export function matchTemplate(t: Template, words: string[], defaultRoots: string[]): MatchResult {
  if (words.length !== t.pattern.length) return { ok: false, structural: false, reason: 'different number of words' };
  const values: Record<string, string> = {};
  for (let i = 0; i < words.length; i++) {
    const word = t.pattern[i] ?? '';
    const m = wordRegex(word).exec(words[i] ?? '');
    if (!m) return { ok: false, structural: false, reason: `word ${i + 1} differs` };
    placeholders(word).forEach((name, j) => {
      const v = m[j + 1] ?? '';
      if (values[name] !== undefined && values[name] !== v)
        values[name] = '\u0000'; // same placeholder twice must agree
      else values[name] = v;
    });
  }
  for (const [name, v] of Object.entries(values)) {
    const spec = t.params[name];
    if (!spec) return { ok: false, structural: true, reason: `template ${t.id} has no type for {${name}}` };
    const err = v === '\u0000' ? `${name} must be the same everywhere` : checkParam(name, spec, v, defaultRoots);
    if (err) return { ok: false, structural: true, reason: err };
  }
  return { ok: true, values };
}

/** The argv sent for a matched template, placeholders filled with checked values. */
export function render(t: Template, values: Record<string, string>): string[] {
  return (t.send ?? t.pattern).map((w) => w.replace(PLACEHOLDER, (_, name: string) => values[name] ?? ''));
}

/** Shape from config: words as one string, split on spaces. */
export function templateFromConfig(c: {
  id: string;
  command: string;
  send?: string;
  description?: string;
  params: Record<string, ParamSpec>;
  tags?: string[];
}): Template {
  return {
    id: c.id,
    description: c.description ?? c.command,
    pattern: c.command.trim().split(/\s+/),
    send: c.send?.trim().split(/\s+/),
    params: c.params,
    tags: c.tags && c.tags.length ? c.tags : undefined,
  };
}
