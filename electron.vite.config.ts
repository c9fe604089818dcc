import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

/**
 * Three builds: main (Electron glue + the CLI entry, both over the same engine),
 * preload (sandboxed, so CommonJS), renderer (Vue). Dependencies stay external in main,
 * so sqlite3 and pcap load their native bindings from node_modules.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'electron/main/index.ts'),
          cli: resolve(__dirname, 'electron/engine/cli/main.ts'),
          // The decoder fuzzer (`npm run fuzz`), a development tool over the same engine.
          fuzz: resolve(__dirname, 'electron/engine/fuzz/main.ts'),
          // Live capture runs the native pcap package in this child process (engine/capture).
          'capture-child': resolve(__dirname, 'electron/engine/capture/child.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve(__dirname, 'electron/preload/index.ts') } },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
    plugins: [vue()],
  },
});
