import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import type { Clock } from '../clock';
import { VigilError } from '../errors';
import type { ErrorCode } from '../../../src-shared/result';

// ssh2 (and its crypto stack) is loaded on the first connection, not on every start of a Vigil that never
// opens one: it cost ~0.4 s of `vigil serve`'s ready time (issue 17.4).
let ssh2: typeof import('ssh2') | null = null;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadSsh2 = (): typeof import('ssh2') => require('ssh2') as typeof import('ssh2');

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

export interface PoolOptions {
  resolve(name: string): HostTarget | undefined;
  hooks: PoolHooks;
  clock: Clock;
  /** Concurrent channels per connection (sshd MaxSessions is 10; 4 measured reliable). */
  channelsPerHost?: number;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  defaultTimeoutMs?: number;
  defaultMaxBytes?: number;
}

export interface ExecOptions {
  timeoutMs?: number;
  maxBytes?: number;
}

export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  durationMs: number;
}

/** The exact string sent to the host: the command under a hard `timeout` that kills its process group. */
export function wrapCommand(command: string, timeoutMs: number): string {
  return `timeout --signal=KILL ${timeoutSeconds(timeoutMs)}s ${command}`;
}
const timeoutSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** `SHA256:` + unpadded base64 of the key blob, as ssh-keygen -lf prints it. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

interface HostConn {
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

const OPEN_FAILED = /open fail|channel open failure/i;

/**
 * One reused SSH connection per host with a channel cap and queue. Every
 * remote command runs under `timeout --signal=KILL` on the host (killing the
 * whole process group) and the channel is closed locally at the same deadline,
 * so a timed-out command is really gone.
 */
export class SshPool {
  private conns = new Map<string, HostConn>();
  private readonly max: number;
  private closed = false;

  constructor(private readonly opts: PoolOptions) {
    this.max = opts.channelsPerHost ?? 4;
  }

  async exec(hostName: string, command: string, o: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed) throw new RemoteError('unreachable', 'the SSH pool is shut down');
    const target = this.opts.resolve(hostName);
    if (!target) throw new RemoteError('unknown_host', `no host named "${hostName}" in the config`);
    const st = this.state(hostName);
    await this.acquire(st);
    try {
      for (let attempt = 0, refusals = 0; ; attempt++) {
        const client = await this.connection(target, st);
        try {
          return await this.runOnce(client, command, o, st);
        } catch (e) {
          const msg = (e as Error).message ?? '';
          if (!(e instanceof RemoteError) && OPEN_FAILED.test(msg) && refusals++ < 20) {
            if (st.open > 0) {
              // The host allows fewer sessions than our cap (sshd MaxSessions): learn its limit and wait
              // for one of our own channels to close. Waiting on a timer assumed a command ends within
              // ~0.5 s, which a busy machine breaks (R-HEAL-1).
              st.cap = Math.max(1, Math.min(st.cap, st.open));
              this.release(st);
              await this.acquire(st);
              continue;
            }
            if (refusals <= 6) {
              await new Promise<void>((r) => this.opts.clock.setTimeout(r, 25 * refusals));
              continue;
            }
          }
          if (!(e instanceof RemoteError) && OPEN_FAILED.test(msg)) {
            throw new RemoteError('open_failed', `${hostName} refused a new channel (${msg}); too many sessions on the connection`);
          }
          if (!(e instanceof RemoteError) && /not connected|no response|channel.*closed/i.test(msg) && attempt === 0) {
            this.drop(hostName);
            continue;
          }
          throw e instanceof RemoteError ? e : new RemoteError('unreachable', `${hostName}: ${msg}`);
        }
      }
    } finally {
      this.release(st);
    }
  }

  /** Connect (or reuse) without running anything: a host check. */
  async check(hostName: string): Promise<void> {
    const target = this.opts.resolve(hostName);
    if (!target) throw new RemoteError('unknown_host', `no host named "${hostName}" in the config`);
    await this.connection(target, this.state(hostName));
  }

  /** Forget a host's connection (key accepted, config changed). */
  drop(hostName: string): void {
    const st = this.conns.get(hostName);
    if (!st) return;
    st.client?.end();
    st.client = null;
    st.ready = null;
    st.cap = this.max; // a new connection may allow more sessions
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const name of this.conns.keys()) this.drop(name);
  }

  private state(name: string): HostConn {
    let st = this.conns.get(name);
    if (!st) this.conns.set(name, (st = { client: null, ready: null, active: 0, cap: this.max, open: 0, waiting: [] }));
    return st;
  }

  private acquire(st: HostConn): Promise<void> {
    if (st.active < st.cap) {
      st.active++;
      return Promise.resolve();
    }
    return new Promise((r) => st.waiting.push(() => (st.active++, r())));
  }

  private release(st: HostConn): void {
    st.active--;
    if (st.active < st.cap) st.waiting.shift()?.();
  }

  private connection(t: HostTarget, st: HostConn): Promise<Client> {
    if (st.ready) return st.ready;
    const hooks = this.opts.hooks;
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
        readyTimeout: this.opts.readyTimeoutMs ?? 10_000,
        keepaliveInterval: this.opts.keepaliveIntervalMs ?? 15_000,
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

  private runOnce(client: Client, command: string, o: ExecOptions, st: HostConn): Promise<ExecResult> {
    const timeoutMs = o.timeoutMs ?? this.opts.defaultTimeoutMs ?? 30_000;
    const maxBytes = o.maxBytes ?? this.opts.defaultMaxBytes ?? 256 * 1024;
    const secs = timeoutSeconds(timeoutMs);
    const clock = this.opts.clock;
    const t0 = performance.now();
    return new Promise<ExecResult>((resolve, reject) => {
      // `timeout` kills the command's whole process group on the host, even if our channel is gone.
      client.exec(wrapCommand(command, timeoutMs), (err, stream: ClientChannel) => {
        if (err) return reject(err);
        st.open++;
        stream.once('close', () => st.open--);
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let bytes = 0;
        let truncated = false;
        let exitCode: number | null = null;
        let done = false;
        const finish = (fn: () => void): void => {
          if (done) return;
          done = true;
          timer.cancel();
          fn();
        };
        const kill = (): void => {
          try {
            stream.signal('KILL');
          } catch {
            /* channel already closing */
          }
          stream.close();
        };
        const timer = clock.setTimeout(() => {
          kill();
          finish(() => reject(new RemoteError('timeout', `the command did not finish within ${secs} s and was killed on the host`)));
        }, secs * 1000);
        const take = (into: Buffer[]) => (d: Buffer) => {
          if (truncated) return;
          if (bytes + d.length > maxBytes) {
            into.push(d.subarray(0, maxBytes - bytes));
            bytes = maxBytes;
            truncated = true;
            kill(); // enough output: stop the command rather than stream megabytes
            return;
          }
          bytes += d.length;
          into.push(d);
        };
        stream.on('data', take(out));
        stream.stderr.on('data', take(errOut));
        let exited = false;
        stream.on('exit', (code: number | null) => {
          exited = true;
          exitCode = code;
        });
        stream.on('close', () => {
          const elapsed = performance.now() - t0;
          if (!truncated && (exitCode === 124 || exitCode === 137 || exitCode === null) && elapsed >= secs * 1000 - 250) {
            return finish(() =>
              reject(new RemoteError('timeout', `the command did not finish within ${secs} s and was killed on the host`)),
            );
          }
          if (!truncated && !exited)
            return finish(() => reject(new RemoteError('unreachable', 'the connection was lost before the command finished')));
          finish(() =>
            resolve({
              exitCode: truncated ? null : exitCode,
              stdout: Buffer.concat(out).toString('utf8'),
              stderr: Buffer.concat(errOut).toString('utf8'),
              truncated,
              durationMs: Math.round(performance.now() - t0),
            }),
          );
        });
      });
    });
  }
}
