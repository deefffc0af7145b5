import type { ErrorCode } from '../../src-shared/result';

/** An error with a code and a sentence a person can act on. */
export class VigilError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
