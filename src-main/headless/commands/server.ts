import { resolve } from 'node:path';
import { pinnedAgent, PinMismatchError, sendRequest, type Answer } from '../../core/team';
import { defaultDataDir, readServeInfo } from '../paths';
import { CliExit } from './args';
import { EXIT } from './command';

/**
 * The CLI talking to a running `vigil serve` (config reload, change add). Over
 * https the certificate is verified by its pin (R-PEOPLE-2): `--pin`, else
 * $VIGIL_PIN, else the fingerprint the server left in its data dir's serve.json
 * when it is the same server. With no pin, the usual CA check applies; it is
 * never skipped.
 */
export function pinFor(url: URL, values: { pin?: string; 'data-dir'?: string }): string | undefined {
  if (values.pin ?? process.env.VIGIL_PIN) return values.pin ?? process.env.VIGIL_PIN;
  const info = readServeInfo(resolve(values['data-dir'] ?? defaultDataDir()));
  return info?.fingerprint && new URL(info.url).origin === url.origin ? info.fingerprint : undefined;
}

/** Certificate errors the CA check raises for a self-signed team server (Node's TLS error codes). */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
]);

export async function callServer(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string },
  pin: string | undefined,
): Promise<Answer> {
  let agent;
  if (pin !== undefined && url.protocol === 'https:') {
    try {
      agent = pinnedAgent(pin);
    } catch (e) {
      throw new CliExit(EXIT.usage, `--pin: ${(e as Error).message}`);
    }
  }
  try {
    return await sendRequest(url, { ...init, ...(agent ? { agent } : {}), timeoutMs: 30_000 });
  } catch (e) {
    if (e instanceof PinMismatchError) throw new CliExit(EXIT.denied, `refused ${url.origin}: ${e.message}`);
    const code = (e as { code?: string }).code;
    if (code && UNTRUSTED.has(code))
      throw new CliExit(
        EXIT.error,
        `${url.origin}'s certificate is not trusted (${(e as Error).message}); for a team server's own certificate ` +
          'pass --pin <fingerprint> as vigil serve printed it',
      );
    throw new CliExit(EXIT.error, `vigil serve at ${url.origin} did not answer: ${(e as Error).message}`);
  } finally {
    agent?.destroy();
  }
}

/** The error sentence from the server's envelope, or the status. */
export function refusal(a: Answer): string {
  try {
    const err = (JSON.parse(a.body) as { error?: { code?: string; message?: string } }).error;
    if (err?.message) return err.code ? `${err.code}: ${err.message}` : err.message;
  } catch {
    // not JSON: fall through to the status
  }
  return `HTTP ${a.status}: ${a.body.slice(0, 500)}`;
}
