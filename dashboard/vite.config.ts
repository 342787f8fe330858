// Builds the admin dashboard (index.html) and the OBS overlay (overlay.html) into dashboard/dist,
// which Gavel serves at `/` and `/overlay/{marathonId}`. Assets are absolute (`/assets/…`) so the
// overlay works under its nested path.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
// `vite dev` forwards API calls to a running Gavel (or to tests/mock-server.mjs).
const api = process.env.GAVEL_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        index: `${root}index.html`,
        overlay: `${root}overlay.html`,
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
