import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * One JSON request body per turn of the event loop (R-SCALE-10). In a storm, intake clients send their next
 * request as soon as the last is answered, so dozens of bodies become readable in the same poll of the loop,
 * and Node used to parse, validate and hand over every one of them before it looked at another socket: a
 * /health probe waited for the whole burst (100-190 ms stretches in `bench health`'s main-thread profile).
 * Here a body is read as it arrives, but parsed (and its route run) only when its turn comes, one turn per
 * iteration of the loop, so new connections and bodiless requests (/health, SSE connects, the console's GETs)
 * are served between any two bodies. Bodies keep their arrival order.
 */
export function oneBodyPerTurn(app: FastifyInstance): void {
  const turn = turns();
  // Fastify's own parser (prototype-poisoning checks, empty-body and syntax errors as 400s), run at the body's turn.
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req: FastifyRequest, body, done) => {
    void turn().then(() => parse(req, body as string, done));
  });
}

/** Turns: each waiter is let go in its own setImmediate, in arrival order, so the loop polls its sockets in between. */
export function turns(): () => Promise<void> {
  const waiting: Array<() => void> = [];
  let scheduled = false;
  const next = (): void => {
    waiting.shift()!();
    scheduled = waiting.length > 0;
    if (scheduled) setImmediate(next);
  };
  return () =>
    new Promise<void>((go) => {
      waiting.push(go);
      if (!scheduled) {
        scheduled = true;
        setImmediate(next);
      }
    });
}
