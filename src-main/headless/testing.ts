import type { FastifyInstance } from 'fastify';
import { createHttpServer, type HttpOptions } from './http';

// Test support for the headless shell's tests.

/** The headless HTTP server on a free loopback port, as `vigil serve` runs it; and the base URL to reach it. */
export async function listenHttp(opts: HttpOptions): Promise<{ app: FastifyInstance; base: string }> {
  const app = await createHttpServer(opts);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
}
