// Builds the admin dashboard (index.html), the OBS overlay (overlay.html) and the public viewer
// page (viewer.html) into dashboard/dist, which Gavel serves at `/`, `/overlay/{marathonId}` and
// `/m/{marathonId}`. Assets are absolute (`/assets/…`) so the pages work under nested paths.
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { OutputBundle, OutputChunk } from 'rollup';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
// `vite dev` forwards API calls to a running Gavel (or to tests/mock-server.mjs).
const api = process.env.GAVEL_API ?? 'http://127.0.0.1:8080';

/** The viewer page is opened on phones from a stream: its JavaScript stays under this, gzipped. */
const VIEWER_JS_BUDGET_BYTES = 150_000;

/**
 * Fails the build when the JavaScript an entry page loads (its entry chunk and every chunk it
 * imports, statically or dynamically) exceeds `budget` bytes gzipped, and prints the figure.
 */
function javascriptBudget(entry: string, budget: number): Plugin {
  return {
    name: 'gavel:javascript-budget',
    apply: 'build',
    generateBundle(_options, bundle: OutputBundle) {
      const chunks = new Map(Object.values(bundle).flatMap((file) => (file.type === 'chunk' ? [[file.fileName, file] as const] : [])));
      const start = [...chunks.values()].find((chunk) => chunk.isEntry && chunk.name === entry);
      if (!start) return this.error(`no entry chunk named ${entry}`);
      const loaded = new Map<string, OutputChunk>();
      const visit = (chunk: OutputChunk) => {
        if (loaded.has(chunk.fileName)) return;
        loaded.set(chunk.fileName, chunk);
        for (const name of [...chunk.imports, ...chunk.dynamicImports]) {
          const next = chunks.get(name);
          if (next) visit(next);
        }
      };
      visit(start);
      const bytes = [...loaded.values()].reduce((sum, chunk) => sum + gzipSync(chunk.code, { level: 9 }).length, 0);
      const figure = `${entry}.html JavaScript: ${(bytes / 1000).toFixed(1)} kB gzipped in ${loaded.size} chunk${loaded.size === 1 ? '' : 's'} (budget ${budget / 1000} kB)`;
      if (bytes > budget) return this.error(`${figure}: over budget`);
      console.log(`\n${figure}`);
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [javascriptBudget('viewer', VIEWER_JS_BUDGET_BYTES)],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        index: `${root}index.html`,
        overlay: `${root}overlay.html`,
        viewer: `${root}viewer.html`,
      },
    },
  },
  server: {
    proxy: { '/api': { target: api, changeOrigin: false } },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
