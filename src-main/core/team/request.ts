import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';

/**
 * One HTTP(S) request with a bounded answer, over the given agent — a pinned
 * one for a team server (R-PEOPLE-2). fetch() cannot take a node:https Agent,
 * and the pin must be checked before a byte (and the token) is sent.
 */
export interface Answer {
  status: number;
  body: string;
}

const MAX_BODY = 16 * 1024 * 1024;

export function sendRequest(
  url: URL,
  init: { method: string; headers?: Record<string, string>; body?: string; agent?: Agent; timeoutMs?: number },
): Promise<Answer> {
  const headers = { ...init.headers, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: init.method, headers, ...(init.agent ? { agent: init.agent } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) res.destroy(new Error('answer larger than 16 MiB'));
        else chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    const ms = init.timeoutMs;
    if (ms) req.setTimeout(ms, () => req.destroy(new Error(`no answer in ${ms / 1000} s`)));
    req.on('error', reject);
    req.end(init.body);
  });
}
