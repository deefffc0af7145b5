import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createCore } from '../../core/app';
import { ConfigError, configFileFor, loadConfig } from '../../core/config';
import { PolicyConfigError, policyFromConfig } from '../../core/remote';
import { lowerV8PlatformThreads } from '../../core/store';
import { loadOrCreateToken } from '../auth';
import { createHttpServer } from '../http';
import { defaultDataDir, removeServeInfo, writeServeInfo } from '../paths';
import { listenForStop } from '../signals';
import { tlsFor, TlsUsageError, type TlsMaterial } from '../tls';
import { EXIT, type Command } from './index';

/** Where the built renderer lives relative to the built CLI (out/main → out/renderer). */
const rendererDir = (): string => process.env.VIGIL_RENDERER_DIR ?? resolve(__dirname, '../renderer');

export const serveCommand: Command = {
  name: 'serve',
  usage: 'vigil serve [--config FILE] [--data-dir DIR] [--host 127.0.0.1] [--port N] [--tls-cert FILE --tls-key FILE | --tls-self-signed]',
  async run(argv) {
    // Before anything starts a thread: V8's platform threads, at the main thread's priority, do the niced threads' GC
    // and compiling too (R-SCALE-30, store/thread-priority.ts).
    lowerV8PlatformThreads();
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-self-signed': { type: 'boolean' },
      },
    });
    const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
    let loaded;
    try {
      loaded = loadConfig(configFileFor(values.config, dataDir));
      policyFromConfig(loaded.config);
    } catch (e) {
      if (!(e instanceof ConfigError) && !(e instanceof PolicyConfigError)) throw e;
      process.stderr.write(`${e.message}\n`);
      return EXIT.error;
    }
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const host = values.host ?? '127.0.0.1';
    const port = Number(values.port ?? 7300);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`--port must be an integer 0–65535, got "${values.port}"\n`);
      return EXIT.usage;
    }
    // A non-loopback listener needs TLS (refused before anything starts); the fingerprint is printed for pinning.
    let tls: TlsMaterial | null;
    try {
      tls = await tlsFor({
        host,
        dataDir,
        certFile: values['tls-cert'],
        keyFile: values['tls-key'],
        selfSigned: values['tls-self-signed'],
      });
    } catch (e) {
      if (!(e instanceof TlsUsageError)) throw e;
      process.stderr.write(`${e.message}\n`);
      return EXIT.usage;
    }
    const token = loadOrCreateToken(dataDir);
    const stop = listenForStop();
    // Reloads read, and Settings writes, the file in use; with none yet, vigil.yaml in the data dir.
    const configFile = resolve(configFileFor(values.config, dataDir) ?? join(dataDir, 'vigil.yaml'));
    // A desktop notice is delivered only when a connected console showed it (issue 15 item 5), not when published to nobody.
    // Intake is decided on the decider worker thread, so a storm's deciding never holds the thread serving /health
    // (R-SCALE-7); VIGIL_DECIDER=inline decides on this thread, as before (to compare, or to rule the worker out).
    const decider = process.env.VIGIL_DECIDER === 'inline' ? 'inline' : 'worker';
    // VIGIL_SENDER=worker sends from the sender thread (R-SCALE-17): this thread then neither sends nor waits for the write
    // lock to settle, but in bench router's round 0 the inbox drained 2-4x later: the decider, 10 nice steps down like
    // the sender, waits about twice as long for a CPU while the sender works all through a storm (not at the write
    // gate; docs/architecture.md "Threads"). Until that is solved the outbox sends on this thread by default.
    const sender = process.env.VIGIL_SENDER === 'worker' ? 'worker' : 'inline';
    const core = createCore({
      config: loaded.config,
      dataDir,
      configSource: loaded.source,
      configFile,
      desktopShownByConsole: true,
      decider,
      sender,
    });
    // SIGHUP reloads the config (R-CHANGE-3); installed before the ready line, since an unhandled SIGHUP ends the process.
    // A refusal is logged, shown in Settings and raised as a vigil event.
    const onHup = () => void core.reload('sighup', 'SIGHUP').catch(() => undefined);
    process.on('SIGHUP', onHup);
    await core.start();
    const app = await createHttpServer({ core, token, staticDir: rendererDir(), ...(tls ? { tls } : {}) });
    await app.listen({ host, port });
    const addr = app.server.address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : port;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    const scheme = tls ? 'https' : 'http';
    writeServeInfo(dataDir, {
      pid: process.pid,
      url: `${scheme}://${shownHost}:${actualPort}`,
      ...(tls ? { fingerprint: tls.fingerprint } : {}),
    });
    if (tls)
      process.stdout.write(`TLS certificate SHA-256 fingerprint (pin this in connected desktops): ${tls.fingerprint}
`);
    process.stdout.write(`Vigil ready: ${scheme}://${shownHost}:${actualPort}/#token=${token}
`);
    core.ctx.log.info({ host, port: actualPort, config: loaded.source, dataDir: join(dataDir) }, 'serving');

    const sig = await stop.received;
    core.ctx.log.info({ sig }, 'shutting down');
    process.off('SIGHUP', onHup);
    removeServeInfo(dataDir);
    try {
      await app.close();
      await core.stop();
    } finally {
      stop.dispose();
    }
    return EXIT.ok;
  },
};
