import { DEFAULT_TEMPLATES } from './catalogue';
import { leakReason } from './leaks';
import { dangerReason } from './rules';
import { matchTemplate, placeholders, render, type Template } from './templates';
import { shellQuote, tokenize } from './tokenize';

export { DEFAULT_TEMPLATES } from './catalogue';
export { shellQuote, tokenize } from './tokenize';
export type { ParamSpec, Template } from './templates';

export type Verdict =
  | { allowed: true; templateId: string; argv: string[]; /** single-quoted words, ready for the remote shell */ command: string }
  | { allowed: false; reason: string };

export interface CommandPolicy {
  templates: readonly Template[];
  /** Decide without a shell. hostTags: the target host's tags (templates with tags apply only there). */
  check(command: string, hostTags?: string[]): Verdict;
}

export class PolicyConfigError extends Error {}

/** Build the policy: shipped catalogue + extra templates (vetted by the same rules). */
export function createPolicy(opts: { extra?: Template[]; allowedRoots?: string[] } = {}): CommandPolicy {
  const roots = opts.allowedRoots ?? ['/var/log'];
  const ids = new Set(DEFAULT_TEMPLATES.map((t) => t.id));
  for (const t of opts.extra ?? []) {
    if (ids.has(t.id)) throw new PolicyConfigError(`template id "${t.id}" is already used`);
    ids.add(t.id);
    const literal = t.pattern.map((w) => (placeholders(w).length ? 'x' : w));
    const tok = tokenize(t.pattern.join(' ').replace(/\{[a-z][A-Za-z0-9_]*\}/g, 'x'));
    if (!tok.ok) throw new PolicyConfigError(`template "${t.id}": ${tok.reason}`);
    const danger = dangerReason(literal);
    if (danger) throw new PolicyConfigError(`template "${t.id}" is not read-only: ${danger}`);
    // What is sent is what runs: vet `send` like the pattern, and both for output that carries secrets.
    const sent = (t.send ?? t.pattern).map((w) => (placeholders(w).length ? 'x' : w));
    const sendProblem = t.send && dangerReason(sent); // each word is single-quoted when sent: the words are what matter
    if (sendProblem) throw new PolicyConfigError(`template "${t.id}": send is not read-only: ${sendProblem}`);
    const leak = leakReason(sent);
    if (leak) throw new PolicyConfigError(`template "${t.id}" would print secrets: ${leak}`);
    for (const w of [...t.pattern, ...(t.send ?? [])])
      for (const p of placeholders(w)) if (!t.params[p]) throw new PolicyConfigError(`template "${t.id}": {${p}} has no type under params`);
  }
  const templates = [...DEFAULT_TEMPLATES, ...(opts.extra ?? [])];

  return {
    templates,
    check(command, hostTags) {
      const tok = tokenize(command.trim());
      if (!tok.ok) return { allowed: false, reason: tok.reason };
      const words = tok.tokens;
      const danger = dangerReason(words);
      if (danger) return { allowed: false, reason: danger };
      const usable = templates.filter((t) => !t.tags || (hostTags ?? []).some((h) => t.tags!.includes(h)));
      let typedError: string | null = null;
      for (const t of usable) {
        const m = matchTemplate(t, words, roots);
        if (m.ok) {
          const argv = render(t, m.values);
          const leak = leakReason(argv) ?? dangerReason(argv);
          if (leak) return { allowed: false, reason: leak }; // filled values can still make what is sent unsafe
          return { allowed: true, templateId: t.id, argv, command: argv.map(shellQuote).join(' ') };
        }
        if (m.structural && !typedError) typedError = `${t.id}: ${m.reason}`;
      }
      if (typedError) return { allowed: false, reason: typedError };
      const forms = usable.filter((t) => t.pattern[0] === words[0]).map((t) => t.pattern.join(' '));
      if (forms.length) return { allowed: false, reason: `"${words[0]}" is allowed only as: ${forms.slice(0, 6).join(' | ')}` };
      return { allowed: false, reason: `"${words[0]}" is not in the diagnostic allowlist` };
    },
  };
}
