// Registers the service worker and tells the app when a new version is waiting
// (window event "crm-update-ready"); the app's Reload button calls crmActivateUpdate().
(() => {
  if (!('serviceWorker' in navigator)) return;
  let waiting = null;
  const announce = (worker) => {
    waiting = worker;
    window.crmUpdateWaiting = true;
    window.dispatchEvent(new Event('crm-update-ready'));
  };
  window.crmActivateUpdate = () => {
    if (!waiting) return location.reload();
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
    waiting.postMessage('skip-waiting');
  };
  window.addEventListener('load', async () => {
    try {
      const reg = await navigator.serviceWorker.register('/sw.js');
      if (reg.waiting && navigator.serviceWorker.controller) announce(reg.waiting);
      reg.addEventListener('updatefound', () => {
        const worker = reg.installing;
        if (!worker) return;
        worker.addEventListener('statechange', () => {
          if (worker.state === 'installed' && navigator.serviceWorker.controller) announce(worker);
        });
      });
      // Look for a new build now and then while the app stays open all day.
      setInterval(() => reg.update().catch(() => {}), 30 * 60 * 1000);
      window.crmCheckForUpdate = () => reg.update();
    } catch (e) {
      console.warn('service worker registration failed', e);
    }
  });
})();
