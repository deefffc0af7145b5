import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { fingerprintOf } from '../core/team';

/**
 * TLS for a team server (R-PEOPLE-2, issue 18.4): `vigil serve` binds a
 * non-loopback address only with TLS — the person's certificate and key, or
 * one it generates once into the data dir (kept, so the pinned fingerprint
 * survives restarts) — and refuses otherwise. Tokens never cross a network
 * in the clear.
 */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256, "AB:CD:…": what a connected desktop pins. */
  fingerprint: string;
  source: string;
}

export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

export class TlsUsageError extends Error {}

/** Renew a generated certificate this long before it expires (a person re-pins then). */
const RENEW_BEFORE_MS = 30 * 86_400_000;

export async function tlsFor(opts: {
  host: string;
  dataDir: string;
  certFile?: string;
  keyFile?: string;
  selfSigned?: boolean;
}): Promise<TlsMaterial | null> {
  const { host, certFile, keyFile } = opts;
  if (!!certFile !== !!keyFile) throw new TlsUsageError('--tls-cert and --tls-key go together: give both files');
  if (certFile && opts.selfSigned) throw new TlsUsageError('--tls-self-signed or --tls-cert/--tls-key, not both');
  if (certFile && keyFile) {
    try {
      const cert = readFileSync(certFile, 'utf8');
      return { cert, key: readFileSync(keyFile, 'utf8'), fingerprint: fingerprintOf(cert), source: certFile };
    } catch (e) {
      throw new TlsUsageError(`cannot use --tls-cert ${certFile} / --tls-key ${keyFile}: ${(e as Error).message}`);
    }
  }
  if (opts.selfSigned) return selfSigned(host, opts.dataDir);
  if (!isLoopback(host))
    throw new TlsUsageError(
      `refusing to listen on ${host} without TLS: tokens would cross the network in the clear. ` +
        'Give --tls-cert FILE --tls-key FILE, or --tls-self-signed (a certificate is generated and its fingerprint printed for pinning)',
    );
  return null;
}

async function selfSigned(host: string, dataDir: string): Promise<TlsMaterial> {
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, 'utf8');
    if (Date.parse(new X509Certificate(cert).validTo) - Date.now() > RENEW_BEFORE_MS)
      return { cert, key: readFileSync(keyFile, 'utf8'), fingerprint: fingerprintOf(cert), source: certFile };
  }
  const names = [...new Set(['localhost', host].filter((h) => h !== '0.0.0.0' && h !== '::'))];
  const altNames = [
    ...names.map((n) => (isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })),
    { type: 7 as const, ip: '127.0.0.1' },
  ];
  // Loaded only here: selfsigned (and its ASN.1 stack) cost ~1 s of every `vigil serve` start that never uses it.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: `vigil ${host}` }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 825 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private, fingerprint: fingerprintOf(pems.cert), source: `${certFile} (generated)` };
}
