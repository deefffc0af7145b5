import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// A function calling two mid-sized ones (~40 bytes of bytecode each), optimized at once with the type feedback of a
// few calls (natives syntax: the same compile every run): V8 inlines both within its default budget.
const HOT = `
function callee(a) { let s = 0; for (let i = 0; i < a.length; i++) { s += a[i] * 2 + (a[i] > 3 ? 1 : 0); if (s > 1e9) s = 0; } return s + a.length; }
function callee2(a) { let s = 1; for (let i = 0; i < a.length; i++) { s += a[i] * 3 + (a[i] > 2 ? 1 : 0); if (s > 1e9) s = 0; } return s - a.length; }
function outer(a) { return callee(a) + callee2(a); }
const arr = [1, 2, 3, 4, 5];
%PrepareFunctionForOptimization(outer);
for (let i = 0; i < 10; i++) outer(arr);
%OptimizeFunctionOnNextCall(outer);
outer(arr);
`;

/** What TurboFan inlined into `outer` in a fresh process that calls limitInlining(budget) first (null: not called). */
function inlinedIntoOuter(budget: number | null): string[] {
  const script = `require('tsx/cjs'); ${budget === null ? '' : `require(${JSON.stringify(join(__dirname, 'inline-budget.ts'))}).limitInlining(${budget});`} ${HOT}`;
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--trace-turbo-inlining', '-e', script], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return [...out.matchAll(/^Inlining \S+ \{\S+ <SharedFunctionInfo (\w+)>\} into \S+ \{\S+ <SharedFunctionInfo outer>\}/gm)].map(
    (m) => m[1]!,
  );
}

describe('inlining budget (store/inline-budget.ts)', () => {
  it('R-SCALE-22: set at run time, after V8 started, it bounds what an optimizing compile inlines', () => {
    expect(inlinedIntoOuter(null)).toContain('callee2'); // V8's default budget: both fit
    expect(inlinedIntoOuter(20)).toEqual([]);
  }, 60_000);
});
