// Builds the Svelte UI (ui/ → ui/dist, served by the API role) and runs the dev server, which
// proxies /api to a running Faultline server (FAULTLINE_URL, default http://127.0.0.1:8000).
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./ui', import.meta.url));
const target = process.env.FAULTLINE_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  root,
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('./ui/dist', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    // SSE must not be buffered by the proxy: http-proxy streams by default.
    proxy: { '/api': { target, changeOrigin: false } },
  },
  preview: { proxy: { '/api': { target } } },
});
