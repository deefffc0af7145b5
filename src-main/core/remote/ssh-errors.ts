import { VigilError } from '../errors';
import type { ErrorCode } from '../../../src-shared/result';

/** Why a remote call failed, in words a person can act on. */
export type RemoteErrorCode =
  | 'unknown_host'
  | 'unreachable'
  | 'auth_failed'
  | 'key_file_missing'
  | 'host_key_unknown'
  | 'host_key_mismatch'
  | 'timeout'
  | 'open_failed';

const TO_API: Record<RemoteErrorCode, ErrorCode> = {
  unknown_host: 'not_found',
  unreachable: 'unavailable',
  auth_failed: 'unavailable',
  // The host's own config points at a file that is not there: a person must fix it, retrying will not.
  key_file_missing: 'conflict',
  host_key_unknown: 'forbidden',
  host_key_mismatch: 'forbidden',
  timeout: 'unavailable',
  open_failed: 'unavailable',
};

export class RemoteError extends VigilError {
  constructor(
    readonly reason: RemoteErrorCode,
    message: string,
  ) {
    super(TO_API[reason], `${reason}: ${message}`);
  }
}
