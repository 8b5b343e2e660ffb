import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// Served by the api under /console/ (services/api), so every asset URL is relative to that prefix.
export default defineConfig({
  base: '/console/',
  plugins: [
    react(),
    // The commander's phone app (issue 20): a web manifest and a Workbox service worker that
    // precaches the shell, so the console opens with no network. The data the phone shows offline
    // (incidents, their record and timeline) and its command queue are in IndexedDB
    // (src/lib/offline-store.ts), never in the service worker's caches: the API is never cached here.
    VitePWA({
      strategies: 'generateSW',
      // Registered by src/lib/offline-register.ts: the api's CSP allows no inline script.
      injectRegister: false,
      registerType: 'autoUpdate',
      manifest: {
        name: 'Muster 现场指挥',
        short_name: '现场指挥',
        description: '现场指挥官的手机端：离线时可继续上报现场情况、请求资源，联网后按顺序提交。',
        lang: 'zh-CN',
        start_url: '/console/',
        scope: '/console/',
        display: 'standalone',
        orientation: 'portrait',
        background_color: '#ffffff',
        theme_color: '#c62828',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        // The console is one page with hash routes: every navigation under /console/ is its shell.
        navigateFallback: '/console/index.html',
        navigateFallbackAllowlist: [/^\/console\//],
        // The bundle (ECharts included) is larger than Workbox's 2 MiB default.
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
        // The runtime inlined: one file, nothing for the CSP or the precache to miss.
        inlineWorkboxRuntime: true,
      },
    }),
  ],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  // `ws` is the Node fallback of @muster/client's live feed; the browser has its own WebSocket.
  resolve: { alias: { ws: new URL('./src/lib/no-ws.ts', import.meta.url).pathname } },
  server: { proxy: {} },
});
