import type { Matcher } from './api/events';

/**
 * Label matchers as people and Alertmanager's clients type them:
 * `alertname="DiskFull"`, `instance=~"web.*"`, `env!=prod`, or a set in
 * braces `{alertname=~"Disk.*", severity="critical"}`. One parser for the
 * console's filter box and for the `filter` parameter of the Alertmanager
 * API (amtool, Grafana, Karma send these strings).
 */
export type ParsedMatchers = { ok: true; matchers: Matcher[] } | { ok: false; message: string };

const ONE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^"{},]*?)\s*$/;

const unquote = (v: string): string =>
  v.startsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c)) : v;

/** Split on commas outside double quotes. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted && c === '\\' && i + 1 < s.length) {
      cur += c + s[++i]!;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) parts.push(cur);
  return parts;
}

/** Parse one matcher or a braced/comma-separated set; bounded input, coded message naming the bad part. */
export function parseMatchers(input: string): ParsedMatchers {
  if (input.length > 4000) return { ok: false, message: 'matchers: longer than 4000 characters' };
  let s = input.trim();
  if (s.startsWith('{')) {
    if (!s.endsWith('}')) return { ok: false, message: `matchers: missing "}" in ${JSON.stringify(input)}` };
    s = s.slice(1, -1);
  }
  const out: Matcher[] = [];
  for (const part of splitTop(s)) {
    const m = ONE.exec(part);
    if (!m) return { ok: false, message: `bad matcher ${JSON.stringify(part.trim())}: expected name="value" with =, !=, =~ or !~` };
    out.push({ name: m[1]!, op: m[2] as Matcher['op'], value: unquote(m[3]!) });
  }
  return { ok: true, matchers: out };
}

/** The matcher as Alertmanager prints it: name="value" (value quoted and escaped). */
export const formatMatcher = (m: Matcher): string => `${m.name}${m.op}${JSON.stringify(m.value)}`;
