import { setFlagsFromString } from 'node:v8';

/**
 * TurboFan's cumulative inlining budget (bytecode bytes an optimized function may inline; V8's default is 920) for
 * every isolate of the process: the main, decider and intake threads compile their hot code on V8's shared platform
 * threads, and in a storm's first seconds that compiling took ~70% of those threads' CPU (`perf`, bench router round
 * 0) — CPU the decider, waiting for a core, could have used. Half the budget makes smaller optimized functions,
 * quicker to compile and to throw away when one deoptimizes (the decider's `decideBatch` was compiled 7 times in one
 * storm). VIGIL_INLINE_BUDGET=920 compares with V8's default; 0 leaves V8's flag alone.
 */
export const INLINE_BUDGET = Number(process.env.VIGIL_INLINE_BUDGET ?? 460);

/**
 * Set the budget before the threads start and before the hot code is compiled: V8 reads it at each optimizing
 * compile, and a flag is process-wide, so the worker isolates started later compile with it too.
 */
export function limitInlining(budget = INLINE_BUDGET): void {
  if (Number.isInteger(budget) && budget > 0) setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${budget}`);
}
