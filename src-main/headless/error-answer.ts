import type { ErrorCode } from '../../src-shared/result';

/**
 * What an error thrown in a request (a handler's, a body parser's, Fastify's own) is answered with: one mapping for
 * Fastify's error handler and the intake routes' lean path (routes/intake-lean.ts), so both give the same words.
 * Never raw exception text for a 5xx (paths, SQL): `internal` says the server log has it (`serverFault`: log it).
 */
export function errorAnswer(
  err: { statusCode?: number; message: string },
  bodyLimit: number,
): { code: ErrorCode; message: string; serverFault: boolean } {
  const status = err.statusCode ?? 500;
  const code: ErrorCode =
    status === 413
      ? 'too_large'
      : status === 415
        ? 'unsupported_media_type'
        : status === 400
          ? 'bad_request'
          : status === 404
            ? 'not_found'
            : status === 403
              ? 'forbidden' // e.g. @fastify/static refusing a path: a 403, not a 500
              : 'internal';
  const message =
    status === 413
      ? `request body is larger than ${Math.round(bodyLimit / 1024)} KiB`
      : status === 415
        ? 'send JSON: Content-Type must be application/json'
        : status === 400
          ? `body is not valid JSON: ${err.message.slice(0, 200)}`
          : status === 403 || status === 404
            ? 'not found or not allowed'
            : 'internal error (written to the server log)';
  return { code, message, serverFault: status >= 500 };
}
