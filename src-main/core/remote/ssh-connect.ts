import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import type { Client, ConnectConfig } from 'ssh2';
import { RemoteError, type RemoteErrorCode } from './ssh-errors';

// ssh2 (and its crypto stack) is loaded on the first connection, not on every start of a Vigil that never
// opens one: it cost ~0.4 s of `vigil serve`'s ready time (issue 17.4).
let ssh2: typeof import('ssh2') | null = null;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadSsh2 = (): typeof import('ssh2') => require('ssh2') as typeof import('ssh2');

export interface HostTarget {
  name: string;
  address: string;
  port: number;
  user: string;
  keyFile?: string;
  /** Private key in memory (tests, secrets store); wins over keyFile. */
  privateKey?: Buffer;
  agent?: boolean;
}

export type HostState = 'ok' | RemoteErrorCode;

/** Trust decisions and what the pool tells the rest of Vigil about hosts. */
export interface PoolHooks {
  /** The pinned `SHA256:…` for a host (config first, then a key accepted in the console). */
  pinnedKey(host: string): string | undefined;
  hostKeyUnknown?(host: string, fingerprint: string): void;
  hostKeyMismatch?(host: string, expected: string, got: string): void;
  hostState?(host: string, state: HostState, detail: string, fingerprint: string | null): void;
}

/** How connections are opened (part of the pool's options). */
export interface ConnectOptions {
  hooks: PoolHooks;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
}

/** `SHA256:` + unpadded base64 of the key blob, as ssh-keygen -lf prints it. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

export interface HostConn {
  client: Client | null;
  ready: Promise<Client> | null;
  /** Requests holding a slot (running or opening a channel) and the slots allowed. */
  active: number;
  cap: number;
  /** Channels the host has accepted and not yet closed. */
  open: number;
  waiting: Array<() => void>;
}

/** The private key for a host: in memory, or read from its keyFile, with an error naming the file. */
function readKey(t: HostTarget): Buffer | undefined {
  if (t.privateKey) return t.privateKey;
  if (!t.keyFile) return undefined;
  try {
    return readFileSync(t.keyFile);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new RemoteError('key_file_missing', `the key file ${t.keyFile} for ${t.name} does not exist (hosts.${t.name}.keyFile)`);
    throw new RemoteError(
      'auth_failed',
      `the key file ${t.keyFile} for ${t.name} cannot be read (${code ?? 'error'}; hosts.${t.name}.keyFile)`,
    );
  }
}

/**
 * The host's connection, opened once and shared (`st.ready`): the host key is checked against the pin, a failure
 * names its reason (unknown/mismatched key, auth, unreachable, missing key file) and is reported through the hooks.
 */
export function connectHost(t: HostTarget, st: HostConn, opts: ConnectOptions): Promise<Client> {
  if (st.ready) return st.ready;
  const hooks = opts.hooks;
  // Read the key before any connection state exists: a missing file is its own plain error (R-HEAL-8).
  // (Failing inside the executor below touched `ready` before it was assigned: a TDZ crash.)
  let key: Buffer | undefined;
  try {
    key = readKey(t);
  } catch (e) {
    const err = e as RemoteError;
    hooks.hostState?.(t.name, err.reason, err.message, null);
    return Promise.reject(err);
  }
  const ready = new Promise<Client>((resolve, reject) => {
    const client = new (ssh2 ??= loadSsh2()).Client();
    let keyVerdict: { reason: 'host_key_unknown' | 'host_key_mismatch'; message: string } | null = null;
    let seen: string | null = null;
    let settled = false;
    const fail = (err: RemoteError): void => {
      if (settled) return;
      settled = true;
      if (st.ready === ready) {
        st.ready = null;
        st.client = null;
      }
      hooks.hostState?.(t.name, err.reason, err.message, seen);
      client.end();
      reject(err);
    };
    const sock = netConnect({ host: t.address, port: t.port });
    // Nagle on the SSH socket costs ~40 ms per exec round trip (58 → 19 ms measured).
    sock.setNoDelay(true);
    const cfg: ConnectConfig = {
      sock,
      host: t.address,
      port: t.port,
      username: t.user,
      readyTimeout: opts.readyTimeoutMs ?? 10_000,
      keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        seen = fingerprint(key);
        const pinned = hooks.pinnedKey(t.name);
        if (!pinned) {
          keyVerdict = {
            reason: 'host_key_unknown',
            message: `${t.name} presented an unknown host key ${seen}; accept it in the console if it is right`,
          };
          hooks.hostKeyUnknown?.(t.name, seen);
          return false;
        }
        if (pinned !== seen) {
          keyVerdict = {
            reason: 'host_key_mismatch',
            message: `${t.name} presented host key ${seen} but ${pinned} is pinned; the host was rebuilt or someone is in the middle`,
          };
          hooks.hostKeyMismatch?.(t.name, pinned, seen);
          return false;
        }
        return true;
      },
    };
    if (key) cfg.privateKey = key;
    if (t.agent && process.env.SSH_AUTH_SOCK) cfg.agent = process.env.SSH_AUTH_SOCK;
    client.on('ready', () => {
      settled = true;
      st.client = client;
      hooks.hostState?.(t.name, 'ok', `connected to ${t.user}@${t.address}:${t.port}`, seen);
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (settled) return; // after ready: 'close' drops the connection
      if (keyVerdict) return fail(new RemoteError(keyVerdict.reason, keyVerdict.message));
      if (err.level === 'client-authentication')
        return fail(
          new RemoteError('auth_failed', `${t.user}@${t.name} was refused: no accepted key (check keyFile / agent and authorized_keys)`),
        );
      if (err.level === 'client-timeout')
        return fail(new RemoteError('unreachable', `${t.name} (${t.address}:${t.port}) did not finish the SSH handshake in time`));
      return fail(new RemoteError('unreachable', `${t.name} (${t.address}:${t.port}) cannot be reached: ${err.code ?? err.message}`));
    });
    client.on('close', () => {
      if (!settled) {
        if (keyVerdict) return fail(new RemoteError(keyVerdict.reason, keyVerdict.message));
        return fail(new RemoteError('unreachable', `${t.name} closed the connection during the handshake`));
      }
      if (st.client === client) {
        st.client = null;
        st.ready = null;
      }
    });
    client.connect(cfg);
  });
  st.ready = ready;
  return ready;
}
