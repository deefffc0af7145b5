import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelNotFound, startLlmServer, type LlmServer } from '../../../../e2e/fixtures/llm-server';
import { systemClock, type Clock } from '../../clock';
import { LlmConfig } from '../../config';
import { createLlmClient } from './client';
import { LlmError } from './errors';

let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer();
});
afterAll(() => server.close());

const secrets = (v: Record<string, string>) => ({ get: (n: string) => v[n], names: () => Object.keys(v) });

/** The real clock, recording every timer so waits can be asserted. */
function spyClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => systemClock.now(),
    setTimeout: (fn, ms) => (waits.push(ms), systemClock.setTimeout(fn, ms)),
    setInterval: (fn, ms) => systemClock.setInterval(fn, ms),
  };
}

function client(over: Record<string, unknown> = {}, clock: Clock = systemClock, keys: Record<string, string> = { nim: 'k-123' }) {
  const config = LlmConfig.parse({
    provider: 'nim',
    baseUrl: server.url,
    models: ['m1', 'm2', 'm3'],
    apiKey: { secret: 'nim' },
    // Long enough for a real answer on a loaded machine (at 300 ms a reply came late under load and the next model was
    // tried); the tests of a hang set their own, shorter time box.
    timeout: '10s',
    retryAfterCap: '100ms',
    ...over,
  });
  return createLlmClient({ config, secrets: secrets(keys), fetch: globalThis.fetch, clock });
}

/** The time box of the tests whose model hangs: a model after it must still answer within it on a loaded machine. */
const HANG_BOX = '2s';
const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };

async function failure(p: Promise<unknown>): Promise<LlmError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LlmError);
  return e as LlmError;
}

describe('LLM client', () => {
  it('R-AGENT-2: presets give each provider its endpoint and default model; Ollama needs no key', async () => {
    const calls: string[] = [];
    const spy = (async (url: string | URL | Request, init?: RequestInit) => {
      calls.push(`${String(url)} ${JSON.parse(String(init?.body)).model} ${new Headers(init?.headers).get('authorization') ?? '-'}`);
      return new Response(JSON.stringify({ choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] }), { status: 200 });
    }) as typeof fetch;
    for (const provider of ['nim', 'openai', 'ollama'] as const) {
      const config = LlmConfig.parse({ provider, ...(provider === 'ollama' ? {} : { apiKey: { secret: 'k' } }) });
      await createLlmClient({ config, secrets: secrets({ k: 'sk-1' }), fetch: spy, clock: systemClock }).chat(ask);
    }
    expect(calls).toEqual([
      'https://integrate.api.nvidia.com/v1/chat/completions nvidia/llama-3.3-nemotron-super-49b-v1.5 Bearer sk-1',
      'https://api.openai.com/v1/chat/completions gpt-4o-mini Bearer sk-1',
      'http://127.0.0.1:11434/v1/chat/completions llama3.1 -',
    ]);
  });

  it('R-AGENT-2: sends the key, max_tokens and tools, leaves tool_choice unset and strips <think> reasoning', async () => {
    server.handle(() => ({ kind: 'reply', content: '<think>the disk is full, probably\nlogs</think>\n{"ok":true}' }));
    server.requests.length = 0;
    const tools = [{ type: 'function' as const, function: { name: 'search_memory', description: 'd', parameters: { type: 'object' } } }];
    const reply = await client({ maxTokens: 321 }).chat({ ...ask, tools });
    expect(reply).toMatchObject({ model: 'm1', content: '{"ok":true}', finishReason: 'stop' });
    const r = server.requests[0]!;
    expect(r.authorization).toBe('Bearer k-123');
    expect(r.body.max_tokens).toBe(321);
    expect(r.body.tools?.[0]?.function.name).toBe('search_memory');
    expect('tool_choice' in r.body).toBe(false);
  });

  it('R-AGENT-2: tries the next model on 404 model-not-found, 503 and a hang, in the configured order', async () => {
    server.requests.length = 0;
    server.handle((r) =>
      r.model === 'm1' ? modelNotFound('m1') : r.model === 'm2' ? { kind: 'status', status: 503 } : { kind: 'reply', content: 'from m3' },
    );
    const reply = await client().chat(ask);
    expect(reply.model).toBe('m3');
    expect(server.requests.map((r) => r.model)).toEqual(['m1', 'm2', 'm3']);
    expect(reply.attempts.map((a) => a.outcome)).toEqual(['not_found', 'server_error', 'ok']);

    server.requests.length = 0;
    server.handle((r) => (r.model === 'm1' ? { kind: 'hang' } : { kind: 'reply', content: 'from m2' }));
    const t0 = Date.now();
    const r2 = await client({ timeout: HANG_BOX }).chat(ask);
    expect(r2.model).toBe('m2');
    expect(r2.attempts[0]?.outcome).toBe('timeout');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_900); // m1 was given its time box (2 s), then cut: it hangs for ever
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('R-AGENT-2: a 429 waits the Retry-After (capped) and moves on; all models limited → rate_limited', async () => {
    server.requests.length = 0;
    server.handle((r) =>
      r.model === 'm1' ? { kind: 'status', status: 429, headers: { 'retry-after': '30' } } : { kind: 'reply', content: 'from m2' },
    );
    const clock = spyClock();
    const reply = await client({}, clock).chat(ask);
    expect(reply.model).toBe('m2');
    expect(clock.waits).toContain(100); // 30 s asked, capped at retryAfterCap = 100 ms
    expect(clock.waits).not.toContain(30_000);

    server.handle(() => ({ kind: 'status', status: 429, headers: { 'retry-after': '0.02' } }));
    const clock2 = spyClock();
    const e = await failure(client({}, clock2).chat(ask));
    expect(e.reason).toBe('rate_limited');
    expect(clock2.waits.filter((w) => w === 20)).toHaveLength(2); // waited between m1→m2 and m2→m3, not after the last
  });

  it.each([400, 401, 403])('R-AGENT-2: HTTP %i fails at once with the reason and never tries another model', async (status) => {
    server.requests.length = 0;
    server.handle(() => ({ kind: 'status', status, body: { error: { message: `nope ${status}` } } }));
    const e = await failure(client().chat(ask));
    expect(e.reason).toBe('http_error');
    expect(e.status).toBe(status);
    expect(e.message).toContain(`nope ${status}`);
    expect(server.requests.map((r) => r.model)).toEqual(['m1']);
  });

  it('R-AGENT-1: each failure is typed with its fallback reason', async () => {
    expect((await failure(client({}, systemClock, {}).chat(ask))).reason).toBe('no_key');
    server.handle(() => ({ kind: 'hang' }));
    expect((await failure(client({ models: ['m1'], timeout: HANG_BOX }).chat(ask))).reason).toBe('timeout');
    server.handle(() => ({ kind: 'malformed' }));
    expect((await failure(client().chat(ask))).reason).toBe('invalid_output');
    server.handle(() => ({ kind: 'status', status: 502 }));
    expect((await failure(client().chat(ask))).reason).toBe('http_error');
    const dead = createLlmClient({
      config: LlmConfig.parse({ baseUrl: 'http://127.0.0.1:1/v1', models: ['m1'], apiKey: { secret: 'nim' } }),
      secrets: secrets({ nim: 'k' }),
      fetch: globalThis.fetch,
      clock: systemClock,
    });
    expect((await failure(dead.chat(ask))).reason).toBe('network');
  });

  it('R-AGENT-1: an outer abort (the triage time box) stops the call without trying further models', async () => {
    server.requests.length = 0;
    server.handle(() => ({ kind: 'hang' }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('triage budget spent')), 50);
    const e = await failure(client({ timeout: '5s' }).chat({ ...ask, signal: ac.signal }));
    expect(e.reason).toBe('timeout');
    expect(server.requests).toHaveLength(1);
  });
});
