import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

/** Sample this thread's CPU (1 ms); the answer writes `<pid>-sender-<threadId>.cpuprofile` into `dir`. */
export function profileThread(dir: string): () => Promise<void> {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  return () =>
    new Promise<void>((done) =>
      session.post('Profiler.stop', (err, res) => {
        if (!err) {
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, `${process.pid}-sender-${threadId}.cpuprofile`), JSON.stringify(res.profile));
        }
        done();
      }),
    );
}
