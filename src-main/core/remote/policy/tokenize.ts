/**
 * Split a command string into words WITHOUT a shell (R-HEAL-1). Only
 * printable ASCII from a small set is accepted; every shell-significant
 * character is refused with the reason, so nothing a person or an LLM types
 * can become a separator, redirection, substitution, glob or escape on the host.
 */
export type Tokens = { ok: true; tokens: string[] } | { ok: false; reason: string };

export const MAX_COMMAND_LENGTH = 1000;

const REFUSED: Record<string, string> = {
  ';': 'command separator ";"',
  '|': 'pipe "|"',
  '&': 'background/and operator "&"',
  '`': 'command substitution "`"',
  $: 'variable or command substitution "$"',
  '(': 'subshell "("',
  ')': 'subshell ")"',
  '<': 'redirection "<"',
  '>': 'redirection ">"',
  '\\': 'escape character "\\"',
  '*': 'glob "*"',
  '?': 'glob "?"',
  '[': 'glob "["',
  ']': 'glob "]"',
  '{': 'brace expansion "{"',
  '}': 'brace expansion "}"',
  '~': 'home-directory expansion "~"',
  '#': 'comment "#"',
  '!': 'history/negation "!"',
  '^': 'legacy pipe "^"',
};

const PLAIN = /[A-Za-z0-9_\-./:=@%+,]/;

export function tokenize(input: string): Tokens {
  if (input.length > MAX_COMMAND_LENGTH) return { ok: false, reason: `command is longer than ${MAX_COMMAND_LENGTH} characters` };
  const tokens: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (const ch of input) {
    const code = ch.codePointAt(0)!;
    if (ch === '\n' || ch === '\r') return { ok: false, reason: 'newline in command' };
    if (code < 0x20 || code === 0x7f) return { ok: false, reason: `control character 0x${code.toString(16).padStart(2, '0')} in command` };
    if (code > 0x7e) return { ok: false, reason: `non-ASCII character U+${code.toString(16).toUpperCase().padStart(4, '0')} in command` };
    if (REFUSED[ch]) return { ok: false, reason: `${REFUSED[ch]} is not allowed` };
    if (ch === '"' || ch === "'") {
      if (quote === null) {
        quote = ch;
        inWord = true;
      } else if (quote === ch) quote = null;
      else cur += ch; // the other quote inside quotes is literal… and refused below as a value character
      continue;
    }
    if (ch === ' ' && quote === null) {
      if (inWord) {
        if (cur === '') return { ok: false, reason: 'empty quoted argument' };
        tokens.push(cur);
      }
      cur = '';
      inWord = false;
      continue;
    }
    if (ch !== ' ' && !PLAIN.test(ch)) return { ok: false, reason: `character "${ch}" is not allowed` };
    cur += ch;
    inWord = true;
  }
  if (quote !== null) return { ok: false, reason: 'unbalanced quote' };
  if (inWord) {
    if (cur === '') return { ok: false, reason: 'empty quoted argument' };
    tokens.push(cur);
  }
  if (tokens.length === 0) return { ok: false, reason: 'empty command' };
  for (const t of tokens) if (/["']/.test(t)) return { ok: false, reason: 'nested quotes are not allowed' };
  return { ok: true, tokens };
}

/** POSIX single-quoting for the remote shell: the only quoting Vigil ever sends. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
