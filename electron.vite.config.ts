import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

const BUNDLED = ['fastify', '@fastify/static', 'zod', 'yaml', 'pino', 'prom-client', 'croner', 'diff', 're2js', 'ical-generator'];

// main: the Electron shell and the headless CLI share one build (same core).
// preload: one CJS file, because a sandboxed preload cannot require siblings.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Pure-JS dependencies are bundled into the main chunks: resolving and compiling them file by file
      // (843 modules loaded before the ready line, now 21) was most of `vigil serve`'s start (issue 17.4).
      // Native modules (better-sqlite3, sqlite-vec, ssh2) and selfsigned (loaded only to make a certificate) stay external.
      externalizeDeps: { exclude: BUNDLED },
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          cli: resolve(__dirname, 'src-main/headless/cli.ts'),
          // Retention's worker thread (its own SQLite connection); found beside the CLI at run time.
          'retention-worker': resolve(__dirname, 'src-main/core/retention/worker.ts'),
          // Heavy reads (trend queries, export chunks) on their own thread and connection (store/reads.ts).
          'reads-worker': resolve(__dirname, 'src-main/core/store/reads-worker.ts'),
          // The fsynced intake append behind an HTTP 202, off the thread that serves requests (store/intake-append.ts).
          'intake-worker': resolve(__dirname, 'src-main/core/router/intake-worker.ts'),
          // The router's deciding pass on its own thread and connection (core/decider).
          'decider-worker': resolve(__dirname, 'src-main/core/decider/worker.ts'),
          // The outbox's claims, HTTP sends and settles on their own thread and connection (core/sender).
          'sender-worker': resolve(__dirname, 'src-main/core/sender/worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', inlineDynamicImports: true },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: resolve(__dirname, 'src-renderer/index.html') },
      chunkSizeWarningLimit: 1500,
    },
  },
});
