/**
 * The console is static files the api serves at `/`. In development (`npm run dev:console`) Vite
 * serves them with hot reload and proxies the api's paths to a running api (JABBA_API_URL, default
 * the address `npm start` prints), so the browser sees one origin as it does in production.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env['JABBA_API_URL'] ?? 'http://127.0.0.1:3000';
const apiPaths = ['/graphql', '/v1', '/health', '/ready', '/metrics', '/openapi.json', '/docs', '/problems'];

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 300 },
  server: { proxy: Object.fromEntries(apiPaths.map((path) => [path, { target: api, changeOrigin: false }])) },
});
