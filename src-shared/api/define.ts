import type { z } from 'zod';

/** One ConsoleApi method: a zod schema for its input and one for its output. */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** One line for humans (shown in errors and docs). */
  doc: string;
}

export const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string): MethodSpec<I, O> => ({
  input,
  output,
  doc,
});
