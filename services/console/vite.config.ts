import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the api under /console/ (services/api), so every asset URL is relative to that prefix.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  // `ws` is the Node fallback of @muster/client's live feed; the browser has its own WebSocket.
  resolve: { alias: { ws: new URL('./src/lib/no-ws.ts', import.meta.url).pathname } },
  server: { proxy: {} },
});
