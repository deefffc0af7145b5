import { request, type Agent } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ConsoleClient, Input, MethodName, Output, TopicName, TopicPayload } from '../../../src-shared/api';
import type { Result } from '../../../src-shared/result';
import { PinMismatchError, pinnedAgent } from './pin';
import { sendRequest, type Answer } from './request';

/**
 * Connected mode (issue 18.4): a desktop that points at a team `vigil serve`
 * instead of running its own router. This client is the whole of it under
 * Node: RPC calls and the server push (SSE) over HTTPS, authenticated with the
 * person's token, every connection pinned to the server's certificate. The
 * Electron shell only keeps the token in the OS keychain and feeds the tray
 * and notifications from `subscribe` (tested here, not there).
 */
export interface TeamConfig {
  /** https://host:port of the team server. */
  url: string;
  /** The person's personal token (vgp_…). */
  token: string;
  /** The SHA-256 fingerprint `vigil serve` printed. */
  pin: string;
}

export type TeamState =
  | { state: 'connecting' }
  | { state: 'connected'; since: number }
  | { state: 'down'; reason: string; retryInMs: number }
  /** The certificate or the token was refused: retrying cannot help, a person must act. */
  | { state: 'refused'; reason: string };

export interface TeamClient extends ConsoleClient {
  readonly state: TeamState;
  onState(fn: (s: TeamState) => void): () => void;
  close(): void;
}

export function connectTeam(
  cfg: TeamConfig,
  opts: { agent?: Agent; now?: () => number; backoffMs?: (attempt: number) => number; staleMs?: number } = {},
): TeamClient {
  const base = new URL(cfg.url);
  if (base.protocol !== 'https:') throw new Error(`a team server is reached over https only, not ${base.protocol}//`);
  const agent = opts.agent ?? pinnedAgent(cfg.pin);
  const now = opts.now ?? Date.now;
  const backoff = opts.backoffMs ?? ((n: number) => Math.min(30_000, 500 * 2 ** n));
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const stateFns = new Set<(s: TeamState) => void>();
  let state: TeamState = { state: 'connecting' };
  let closed = false;
  let stream: IncomingMessage | null = null;
  let retry: NodeJS.Timeout | null = null;
  let attempt = 0;
  let started = false;

  const setState = (s: TeamState) => {
    state = s;
    for (const fn of stateFns) fn(s);
  };
  const headers = { authorization: `Bearer ${cfg.token}` };

  const call = async <M extends MethodName>(method: M, input: Input<M>): Promise<Result<Output<M>>> => {
    let answer: Answer;
    try {
      answer = await sendRequest(new URL(`/api/rpc/${method}`, base), {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
    } catch (e) {
      return e instanceof PinMismatchError ? { ok: false, error: { code: 'forbidden', message: e.message } } : unavailable(e as Error);
    }
    try {
      // Success and every error alike arrive as the envelope (R-CONTRACT-2).
      return JSON.parse(answer.body) as Result<Output<M>>;
    } catch {
      return { ok: false, error: { code: 'unavailable', message: `the team server answered ${answer.status} without the envelope` } };
    }
  };

  const dispatch = (topic: string, data: string) => {
    const fns = listeners.get(topic);
    if (!fns?.size) return;
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    for (const fn of fns) fn(payload);
  };

  const scheduleRetry = (reason: string) => {
    stream = null;
    if (closed) return;
    const wait = backoff(attempt++);
    setState({ state: 'down', reason, retryInMs: wait });
    retry = setTimeout(open, wait);
  };

  // One SSE stream for every topic, opened on the first subscribe, reopened after a drop.
  function open(): void {
    retry = null;
    if (closed) return;
    setState({ state: 'connecting' });
    const req = request(
      new URL('/api/stream', base),
      { method: 'GET', agent, headers: { ...headers, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode === 401 || res.statusCode === 403) {
          res.resume();
          setState({ state: 'refused', reason: `the team server refused the token (${res.statusCode}); ask an admin for a new one` });
          return;
        }
        if (res.statusCode !== 200) {
          res.resume();
          return scheduleRetry(`the team server answered ${res.statusCode}`);
        }
        stream = res;
        attempt = 0;
        setState({ state: 'connected', since: now() });
        res.setEncoding('utf8');
        // The server writes a comment every 15 s: silence means a server or network that vanished without closing.
        const staleMs = opts.staleMs ?? 45_000;
        let stale = setTimeout(() => res.destroy(), staleMs);
        res.on('close', () => clearTimeout(stale));
        let buf = '';
        res.on('data', (chunk: string) => {
          clearTimeout(stale);
          stale = setTimeout(() => res.destroy(), staleMs);
          buf += chunk;
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length) dispatch(event, data.join('\n'));
          }
        });
        res.on('close', () => scheduleRetry('the stream closed'));
      },
    );
    req.on('error', (e) => {
      if (e instanceof PinMismatchError) setState({ state: 'refused', reason: e.message });
      else scheduleRetry(e.message);
    });
    req.end();
  }

  return {
    get state() {
      return state;
    },
    call,
    subscribe<T extends TopicName>(topic: T, fn: (payload: TopicPayload<T>) => void) {
      const set = listeners.get(topic) ?? new Set();
      listeners.set(topic, set);
      const f = fn as (p: unknown) => void;
      set.add(f);
      if (!started && !closed) {
        started = true;
        open();
      }
      return () => set.delete(f);
    },
    onState(fn) {
      stateFns.add(fn);
      return () => stateFns.delete(fn);
    },
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      stream?.destroy();
      agent.destroy();
    },
  };
}
const unavailable = (e: Error): Result<never> => ({
  ok: false,
  error: { code: 'unavailable', message: `the team server is not reachable: ${e.message}` },
});
