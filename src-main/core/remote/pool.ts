import type { Client } from 'ssh2';
import { connectHost, type ConnectOptions, type HostConn, type HostTarget } from './ssh-connect';
import { RemoteError } from './ssh-errors';
import { runOnce, type ExecDefaults, type ExecOptions, type ExecResult } from './ssh-exec';

export { fingerprint, type HostState, type HostTarget, type PoolHooks } from './ssh-connect';
export { RemoteError, type RemoteErrorCode } from './ssh-errors';
export { wrapCommand, type ExecOptions, type ExecResult } from './ssh-exec';

export interface PoolOptions extends ConnectOptions, ExecDefaults {
  resolve(name: string): HostTarget | undefined;
  /** Concurrent channels per connection (sshd MaxSessions is 10; 4 measured reliable). */
  channelsPerHost?: number;
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

  /**
   * The machine slept (issue 18.6): every connection is presumed dead (the far side timed it out, or a NAT forgot it),
   * and a dead socket can look open for minutes. Destroy them without a goodbye; the next command or check reconnects.
   */
  dropAll(): string[] {
    const dropped: string[] = [];
    for (const [name, st] of this.conns) {
      if (!st.client && !st.ready) continue;
      st.client?.destroy();
      st.client = null;
      st.ready = null;
      st.cap = this.max;
      dropped.push(name);
    }
    return dropped;
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
    return connectHost(t, st, this.opts);
  }

  private runOnce(client: Client, command: string, o: ExecOptions, st: HostConn): Promise<ExecResult> {
    return runOnce(client, command, o, st, this.opts);
  }
}
