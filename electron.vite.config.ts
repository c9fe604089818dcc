import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

/**
 * Three builds: main (Electron glue + the CLI entry, both over the same engine),
 * preload (sandboxed, so CommonJS), renderer (Vue). Dependencies stay external in main,
 * so sqlite3 and pcap load their native bindings from node_modules — except the pure
 * JavaScript ones every command loads: bundled, zod, ipaddr.js and fast-xml-parser cost
 * a CLI start about 35 ms less than resolved and compiled file by file from node_modules
 * (a start is a fifth of a full loopback sweep's time). ws stays external: `serve`
 * loads it only when it starts.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: { exclude: ['zod', 'ipaddr.js', 'fast-xml-parser'] },
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
