import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

// main: the Electron shell and the headless CLI share one build (same core).
// preload: one CJS file, because a sandboxed preload cannot require siblings.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          cli: resolve(__dirname, 'src-main/headless/cli.ts'),
          // Retention's worker thread (its own SQLite connection); found beside the CLI at run time.
          'retention-worker': resolve(__dirname, 'src-main/core/retention/worker.ts'),
          // Heavy reads (trend queries, export chunks) on their own thread and connection (store/reads.ts).
          'reads-worker': resolve(__dirname, 'src-main/core/store/reads-worker.ts'),
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
