import type { FastifyReply } from 'fastify';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

/**
 * Streams a body whose Uint8Array chunks were moved to this thread (a reads-thread export, R-SCALE-39) and frees each
 * one's bytes as soon as the socket has written them (R-SCALE-42). A moved buffer's bytes are V8 "external memory"
 * of the main isolate until a GC finds the buffer dead, and V8 counts external memory grown since its last
 * mark-compact against the old generation's room: a 1M-row export (~100 MB through ~500 buffers, few of them freed
 * by a scavenge, as the main thread allocates little on its own heap meanwhile) started a major GC every 0.5-1 s,
 * each ~20-70 ms of marking steps and a 2-13 ms pause on the thread that answers /health. Freed here, they never
 * accumulate. Strings (chunks made on this thread, the in-memory stores of tests) are written as they are.
 * One chunk is written at a time while the next is read; the client's pace is the export's (backpressure).
 */
export async function sendMovedChunks(reply: FastifyReply, chunks: AsyncIterable<string | Uint8Array>, onError: (e: unknown) => void) {
  const it = chunks[Symbol.asyncIterator]();
  // The first chunk before the headers: a failure here is still an error answer (Fastify's error handler).
  let next = await it.next();
  reply.hijack();
  const res = reply.raw;
  res.writeHead(reply.statusCode, reply.getHeaders() as import('node:http').OutgoingHttpHeaders);
  let gone = false;
  const left = new Promise<Error>((ok) =>
    res.once('close', () => {
      gone = true;
      ok(new Error('the client left'));
    }),
  );
  try {
    while (!next.done && !gone) {
      const chunk = next.value;
      // The callback runs once the bytes are handed to the kernel (or the write failed): nothing reads them after.
      const written = new Promise<Error | null | undefined>((ok) => res.write(chunk, ok));
      const ahead = it.next();
      ahead.catch(() => undefined); // awaited below; not unhandled while the write is pending
      const err = await Promise.race([written, left]);
      if (err) break;
      if (typeof chunk !== 'string') free(chunk);
      next = await ahead;
    }
    if (!gone) res.end();
  } catch (e) {
    onError(e);
    res.destroy(e as Error);
  } finally {
    if (gone || !next.done) await it.return?.(undefined);
  }
}

let sink: MessagePort | null = null;

/**
 * Detach a buffer here at once: its bytes are released and V8 stops counting them, with no GC. Node 20 has no
 * ArrayBuffer.prototype.transfer; a buffer in a message's transfer list is detached on posting, and the message goes
 * nowhere (the other end of the channel is closed). Only a buffer wholly owned by `bytes` (not a slice of a pool).
 */
export function free(bytes: Uint8Array): void {
  const buf = bytes.buffer;
  if (!(buf instanceof ArrayBuffer) || bytes.byteOffset !== 0 || bytes.byteLength !== buf.byteLength) return;
  if (!sink) {
    const channel = new MessageChannel();
    channel.port2.close();
    sink = channel.port1;
  }
  sink.postMessage(null, [buf]);
}
