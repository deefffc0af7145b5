import type { ClientChannel, Client } from 'ssh2';
import type { Clock } from '../clock';
import type { HostConn } from './ssh-connect';
import { RemoteError } from './ssh-errors';

/** Defaults for each command (part of the pool's options). */
export interface ExecDefaults {
  clock: Clock;
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

/**
 * Run one command on an open connection: under `timeout --signal=KILL` on the host, closed locally at the same
 * deadline, output capped at maxBytes (the command is killed once it has said enough).
 */
export function runOnce(
  client: Client,
  command: string,
  o: ExecOptions,
  st: Pick<HostConn, 'open'>,
  opts: ExecDefaults,
): Promise<ExecResult> {
  const timeoutMs = o.timeoutMs ?? opts.defaultTimeoutMs ?? 30_000;
  const maxBytes = o.maxBytes ?? opts.defaultMaxBytes ?? 256 * 1024;
  const secs = timeoutSeconds(timeoutMs);
  const clock = opts.clock;
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
          return finish(() => reject(new RemoteError('timeout', `the command did not finish within ${secs} s and was killed on the host`)));
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
