import { z } from 'zod';

/** Error codes every transport understands; the message is a sentence a person can act on. */
export const ErrorCode = z.enum([
  'bad_request', // input failed validation (message names the field path)
  'unauthorized',
  'not_found',
  'conflict',
  'forbidden', // refused by policy (allowlist, protected resource, kill switch)
  'too_large',
  'unsupported_media_type',
  'rate_limited',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export interface ApiError {
  code: ErrorCode;
  message: string;
}

/** The envelope every ConsoleApi call returns, over IPC and over HTTP alike. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** The HTTP status of each error code, the same on every HTTP server Vigil runs (headless, the desktop metrics port). */
const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};
export const httpStatusFor = (code: ErrorCode): number => HTTP_STATUS[code];

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string): Result<never> => ({
  ok: false,
  error: { code, message },
});

/** Format a zod error as "path.to.field: what was expected" lines. */
export function describeZodError(err: z.ZodError): string {
  // Bounded whatever the input (a 1 MB batch of bad events has thousands of issues): the first few, each cut.
  const shown = err.issues.slice(0, 5).map((i) => {
    const path = i.path.length ? i.path.map(String).join('.') : '(root)';
    return `${path.length > 120 ? `${path.slice(0, 120)}…` : path}: ${i.message.length > 200 ? `${i.message.slice(0, 200)}…` : i.message}`;
  });
  const more = err.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more problem${more === 1 ? '' : 's'}` : '');
}
