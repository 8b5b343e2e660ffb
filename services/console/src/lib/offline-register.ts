/**
 * Registers the phone app's service worker (built by vite-plugin-pwa: it precaches the console's
 * shell, so the console opens with no network). Registered from here rather than by the plugin's
 * inline script, which the api's Content-Security-Policy refuses. Browsers without service workers,
 * or a page not in a secure context, simply run the console online only.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  // Not in `vite dev`: there is no built worker to register. (Not `DEV`: a build run under a test
  // runner's NODE_ENV=test is a development build of React, yet has its worker.)
  if (import.meta.env.MODE === 'development') return;
  const register = () => navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL }).catch((error: unknown) => console.warn('service worker', error));
  if (document.readyState === 'complete') void register();
  else window.addEventListener('load', () => void register(), { once: true });
}
