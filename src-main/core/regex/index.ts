import { RE2JS, RE2JSException } from 're2js';

/** A compiled pattern that decides in time linear in the input (no backtracking). */
export interface LinearRegex {
  /** The whole input matches (anchored at both ends). */
  test(input: string): boolean;
}

export class RegexSyntaxError extends Error {}

/**
 * Compile a pattern from config, a silence or an API call with RE2 semantics
 * (re2js, a port of Go's and Alertmanager's engine): matching is linear in
 * the input, so `(a+)+b` against a long label cannot freeze the event loop
 * (R-SEC-5). Matching is anchored at both ends, as Alertmanager anchors its
 * matchers with ^(?:…)$. Backreferences and lookaround are not RE2 and are
 * refused here, at creation, with the parser's reason.
 */
export function compileLinear(pattern: string, opts: { caseInsensitive?: boolean } = {}): LinearRegex {
  try {
    const re = RE2JS.compile(pattern, opts.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
    return { test: (input) => re.matches(input) };
  } catch (e) {
    if (e instanceof RE2JSException) throw new RegexSyntaxError(e.message);
    throw e;
  }
}

/** Why a pattern is not accepted, or null when it compiles. */
export function regexProblem(pattern: string): string | null {
  try {
    compileLinear(pattern);
    return null;
  } catch (e) {
    if (e instanceof RegexSyntaxError) return `not a valid RE2 regular expression (${e.message})`;
    throw e;
  }
}
