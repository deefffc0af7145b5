import type { FastifyInstance } from 'fastify';
import { spawn } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';
import { createHttpServer, type HttpOptions } from './http';

// Test support for the headless shell's tests.

/** The headless HTTP server on a free loopback port, as `vigil serve` runs it; and the base URL to reach it. */
export async function listenHttp(opts: HttpOptions): Promise<{ app: FastifyInstance; base: string }> {
  const app = await createHttpServer(opts);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
}

/** A Node script run as a client in another process (its buffers are not this heap's); what it printed, once it exits 0. */
export function clientElsewhere(script: string, args: string[] = []): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`client exited ${code}`))));
  });
}

/** How far this isolate's external memory (buffers' bytes V8 counts) rose above where it was while `work` ran, in MB. */
export async function externalGrowthMb<T>(work: () => Promise<T>): Promise<[T, number]> {
  const external = () => getHeapStatistics().external_memory;
  const before = external();
  let peak = before;
  const sample = setInterval(() => (peak = Math.max(peak, external())), 1);
  try {
    return [await work(), (peak - before) / 1e6];
  } finally {
    clearInterval(sample);
  }
}
