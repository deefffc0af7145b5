import { Agent, type AgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';

/**
 * Certificate pinning for a team server (R-PEOPLE-2). A team `vigil serve`
 * often has a self-signed certificate, so the usual chain check cannot
 * vouch for it; instead the client pins the SHA-256 fingerprint that
 * `vigil serve` printed. The check runs on the finished TLS handshake and
 * BEFORE the socket is handed to the HTTP request, so a server with another
 * certificate never receives a byte of the request (nor the token in it).
 */

/** "AB:CD:…" upper-case hex pairs, the form `vigil serve` and Node's X509Certificate print; also accepts plain hex or lower case. */
export function normalisePin(pin: string): string | null {
  const hex = pin
    .replace(/^sha256[:/]/i, '')
    .replace(/[:\s]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

/** The SHA-256 fingerprint of a PEM certificate, as `vigil serve` prints it. */
export const fingerprintOf = (certPem: string): string => new X509Certificate(certPem).fingerprint256;

export class PinMismatchError extends Error {
  readonly code = 'ERR_VIGIL_PIN_MISMATCH';
  constructor(
    readonly expected: string,
    readonly presented: string,
  ) {
    super(
      `the server's certificate is ${presented}, not the pinned ${expected}: refusing to talk to it (was it replaced, or is this another server?)`,
    );
  }
}

/** An https.Agent whose every connection must present the pinned certificate; hostname and chain are not what is trusted. */
export function pinnedAgent(pin: string, opts: AgentOptions = {}): Agent {
  const expected = normalisePin(pin);
  if (!expected) throw new Error(`"${pin}" is not a SHA-256 fingerprint (64 hex digits, e.g. as vigil serve prints it)`);
  const agent = new Agent({ keepAlive: true, ...opts });
  // The callback form: Node's Agent waits for the callback before it writes the request on the socket.
  (agent as unknown as { createConnection: unknown }).createConnection = (
    options: ConnectionOptions,
    done: (err: Error | null, socket?: Duplex) => void,
  ): undefined => {
    const socket: TLSSocket = connect({ ...options, rejectUnauthorized: false });
    const onError = (err: Error) => done(err);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      const presented = socket.getPeerCertificate().fingerprint256 ?? '';
      if (presented !== expected) {
        socket.destroy();
        done(new PinMismatchError(expected, presented || 'none'));
        return;
      }
      done(null, socket);
    });
    return undefined;
  };
  return agent;
}

/** What certificate a server presents (for a first connection: show it, let the person compare it with what vigil serve printed). */
export function presentedFingerprint(url: string, timeoutMs = 10_000): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: u.hostname,
      port: Number(u.port || 443),
      servername: isIpLiteral(u.hostname) ? undefined : u.hostname,
      rejectUnauthorized: false,
    });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS handshake with ${u.host} in ${timeoutMs / 1000} s`)));
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fp);
    });
  });
}

const isIpLiteral = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');
