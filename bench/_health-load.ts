// `bench health`'s load generator, made cheap (R-SCALE-47). It stands in for other machines (Alertmanager, a browser
// downloading an export, a monitor polling /metrics) but runs on the server's own two cores: every ms of CPU it spends
// is a ms the server's main thread may wait behind (perf sched: 202 of 374 ms of the main thread's long waits were
// this process). So it asks for exactly the same requests, byte for byte, with as little work of its own as it can:
// the storm's requests are encoded before the loaded phase and written whole on raw keep-alive sockets, and the
// export and the polls go through node:http (its C++ parser) instead of fetch and web streams.
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Target } from './_router-http';

/** The headers fetch sends with a GET (undici, Node 20), in its order: the server parses the same request either way. */
const FETCH_HEADERS = {
  accept: '*/*',
  'accept-language': '*',
  'sec-fetch-mode': 'cors',
  'user-agent': 'node',
  'accept-encoding': 'gzip, deflate',
};

/**
 * Each body's whole POST as one buffer: the bytes Node's http client (`load` in _router-http.ts) writes for it with a
 * keep-alive agent — request line, the target's headers, content-type and content-length, then Host and Connection.
 */
export function encodePosts(t: Target, bodies: string[]): Buffer[] {
  const head = `POST ${t.path} HTTP/1.1\r\n${Object.entries(t.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}content-type: application/json\r\n`;
  const tail = `Host: ${t.host}:${t.port}\r\nConnection: keep-alive\r\n\r\n`;
  return bodies.map((body) => {
    const b = Buffer.from(body);
    return Buffer.concat([Buffer.from(`${head}content-length: ${b.length}\r\n${tail}`, 'latin1'), b]);
  });
}

/** One keep-alive connection that sends a request and reads its answer's status (a body with Content-Length only). */
class RawClient {
  private sock: Socket | null = null;
  private got: Buffer = Buffer.alloc(0);
  private waiting: { ok: (status: number) => void; fail: (e: Error) => void } | null = null;
  private closeAfter = false;

  constructor(private readonly t: Target) {}

  private open(): Socket {
    const s = connect({ host: this.t.host, port: this.t.port, noDelay: true });
    s.on('data', (d: Buffer) => this.read(d));
    s.on('error', (e) => this.lost(s, e));
    s.on('close', () => this.lost(s, Object.assign(new Error('socket closed'), { code: 'ECONNRESET' })));
    return s;
  }

  private lost(s: Socket, e: Error): void {
    if (s !== this.sock) return;
    this.sock = null;
    const w = this.waiting;
    this.waiting = null;
    w?.fail(e);
  }

  private read(d: Buffer): void {
    this.got = this.got.length ? Buffer.concat([this.got, d]) : d;
    const end = this.got.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.got.toString('latin1', 0, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return this.lost(this.sock!, new Error(`answer without a Content-Length: ${head}`));
    if (this.got.length < end + 4 + Number(length[1])) return;
    this.got = this.got.subarray(end + 4 + Number(length[1]));
    this.closeAfter = /\r\nconnection: *close/i.test(head);
    const w = this.waiting;
    this.waiting = null;
    w?.ok(Number(head.slice(9, 12)));
  }

  /** The answer's status. A reused socket the server closed before answering: sent once more on a new one (as `load`). */
  async send(req: Buffer, again = true): Promise<number> {
    const reused = this.sock !== null;
    this.sock ??= this.open();
    const s = this.sock;
    try {
      return await new Promise<number>((ok, fail) => {
        this.waiting = { ok, fail };
        s.write(req);
      });
    } catch (e) {
      if (again && reused && (e as NodeJS.ErrnoException).code === 'ECONNRESET') return this.send(req, false);
      throw e;
    } finally {
      if (this.closeAfter) this.close();
    }
  }

  close(): void {
    const s = this.sock;
    this.sock = null;
    this.closeAfter = false;
    this.got = Buffer.alloc(0);
    s?.destroy();
  }
}

/** POST every encoded request with `concurrency` keep-alive connections; returns elapsed ms. Fails loudly on any non-2xx. */
export async function rawLoad(t: Target, requests: Buffer[], concurrency: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const clients = Array.from({ length: concurrency }, () => new RawClient(t));
  try {
    await Promise.all(
      clients.map(async (c) => {
        while (next < requests.length) {
          const status = await c.send(requests[next++]!);
          if (status >= 300) throw new Error(`${t.path}: HTTP ${status}`);
        }
      }),
    );
  } finally {
    for (const c of clients) c.close();
  }
  return performance.now() - t0;
}

/** GET a path as fetch would (same headers) through node:http; calls `chunk` with each piece of the body, returns the status. */
export function get(base: string, path: string, chunk: (b: Buffer) => void, opts: { agent?: Agent; token?: string } = {}): Promise<number> {
  const u = new URL(base);
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        agent: opts.agent,
        headers: {
          host: u.host,
          connection: 'keep-alive',
          ...(opts.token ? { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' } : {}),
          ...FETCH_HEADERS,
        },
      },
      (res) => {
        res.on('data', chunk);
        res.on('end', () => ok(res.statusCode!));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end();
  });
}

/** GET a path's text (the /metrics polls) on a keep-alive agent, as fetch's pool would. */
export async function getText(base: string, path: string, agent: Agent): Promise<string> {
  const parts: Buffer[] = [];
  const status = await get(base, path, (b) => parts.push(b), { agent });
  if (status !== 200) throw new Error(`${path}: HTTP ${status}`);
  return Buffer.concat(parts).toString();
}
