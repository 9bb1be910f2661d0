// Liaison's service worker: the app shell offline, and Web Push notifications.
//
// The server writes VERSION (a hash of every file of the app) and SHELL (the
// list of those files) when it serves this file (liaison/web/webapp.py): any
// change to the app makes a new worker, which precaches it all afresh, and the
// old cache is deleted once it takes over. The values here are placeholders.
const VERSION = "dev";
const CACHE_PREFIX = "liaison-shell-";
const CACHE = CACHE_PREFIX + VERSION;

const SHELL = [
  "/",
  "/index.html",
  "/app.css",
  "/css/screens.css",
  "/manifest.webmanifest",
  "/icons/icon.svg",
  "/icons/icon-192.png",
  "/icons/ui.svg",
  "/js/app.js",
  "/js/api.js",
  "/js/events.js",
  "/js/dom.js",
  "/js/router.js",
  "/js/live.js",
  "/js/outbox.js",
  "/js/speak.js",
  "/js/push.js",
  "/js/views/signin.js",
  "/js/views/inbox.js",
  "/js/views/thread.js",
  "/js/views/compose.js",
  "/js/views/absence.js",
  "/js/views/board.js",
  "/js/views/register.js",
  "/js/views/agenda.js",
  "/js/views/preferences.js",
  "/js/views/staff.js",
];

// Live data and private files: always the network, never a cache (a cached
// answer could show one family's data to the next person on a shared tablet).
const NETWORK_ONLY = ["/api", "/ws", "/media", "/calendar", "/operator", "/healthz", "/readyz", "/metrics"];

// A navigation waits this long for the network before the cached shell is shown
// (a school's Wi-Fi or a phone in a lift often "works" without answering).
const NAVIGATION_TIMEOUT_MS = 4000;

const FALLBACK_URL = "/#/inbox";

// ---------------------------------------------------------------- lifecycle

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // One by one, and a missing file is not fatal: addAll() would fail the
      // whole install, and leave people with no offline app at all.
      await Promise.all(
        SHELL.map(async (path) => {
          try {
            const response = await fetch(new Request(path, { cache: "reload" }));
            if (cacheable(response)) await cache.put(path, response);
            else console.warn("sw: not precached", path, response.status);
          } catch (error) {
            console.warn("sw: not precached", path, error);
          }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE).map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

// ---------------------------------------------------------------- fetch

function networkOnly(url) {
  return NETWORK_ONLY.some((prefix) => url.pathname === prefix || url.pathname.startsWith(prefix + "/"));
}

function cacheable(response) {
  // Only plain same-origin 200s: no redirects (a redirected response cannot
  // answer a navigation), no errors, no opaque answers.
  return response && response.status === 200 && response.type === "basic" && !response.redirected;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || networkOnly(url)) return; // the browser handles it untouched
  if (request.mode === "navigate") {
    event.respondWith(navigation(event));
  } else {
    event.respondWith(staleWhileRevalidate(event));
  }
});

// Network first, so a deploy is seen at once; the cached shell when offline.
async function navigation(event) {
  const { request } = event;
  const network = fetch(request);
  network.catch(() => {}); // handled below; not an "uncaught" error when the cache answered first
  if (["/", "/index.html"].includes(new URL(request.url).pathname)) {
    // Keep the freshest shell for the next time the network is gone.
    event.waitUntil(
      network
        .then(async (response) => {
          if (!cacheable(response)) return;
          const copy = response.clone(); // now, before the page starts reading the body
          await (await caches.open(CACHE)).put("/index.html", copy);
        })
        .catch(() => {}),
    );
  }
  let timer;
  const slow = new Promise((resolve) => {
    timer = setTimeout(resolve, NAVIGATION_TIMEOUT_MS, "slow");
  });
  try {
    const first = await Promise.race([network, slow]);
    // A proxy's 502 while the server restarts: the app itself is still good.
    if (first !== "slow") return first.status >= 500 ? (await cachedPage(request)) || first : first;
    const cached = await cachedPage(request);
    return cached || (await network); // nothing cached: keep waiting for the network
  } catch {
    const cached = await cachedPage(request);
    if (cached) return cached;
    return new Response(
      '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Liaison</title>' +
        "<p>Hors connexion. Réessayez dès le retour du réseau.</p></html>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } },
    );
  } finally {
    clearTimeout(timer);
  }
}

async function cachedPage(request) {
  const cache = await caches.open(CACHE);
  // A static file opened directly is itself; every other address is the app.
  return (await cache.match(request, { ignoreSearch: true })) || (await cache.match("/index.html")) ||
    (await cache.match("/"));
}

// The cached copy at once, and a fresh one fetched for next time.
async function staleWhileRevalidate(event) {
  const { request } = event;
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  const network = fetch(request).then(
    async (response) => {
      if (cacheable(response)) await cache.put(request, response.clone()); // cloned before anyone reads it
      return response;
    },
    () => null,
  );
  if (cached) {
    event.waitUntil(network);
    return cached;
  }
  return (await network) || Response.error();
}

// ---------------------------------------------------------------- push

// The server sends {title, body, thread_id, url, urgent} (liaison/delivery/worker.py):
// the sender and the subject, never the text of a message. Notices of new blog posts
// and cahier pages (liaison/activity/sender.py) send a `tag` ("cahier-<child id>")
// instead of a thread: the grouped title, never a photo.
function readPush(data) {
  let payload = {};
  try {
    payload = data ? data.json() : {};
  } catch {
    payload = {}; // not JSON: the generic notification below
  }
  if (!payload || typeof payload !== "object") payload = {};
  const text = (value) => (typeof value === "string" && value.trim() ? value : null);
  return {
    title: text(payload.title) || "Liaison",
    body: text(payload.body) || "Nouveau message",
    tag: text(payload.tag) || (payload.thread_id == null ? "" : String(payload.thread_id)),
    url: safeUrl(payload.url),
    urgent: payload.urgent === true,
  };
}

// Only addresses of this site: a notification never sends anyone elsewhere.
function safeUrl(value) {
  if (typeof value !== "string") return FALLBACK_URL;
  try {
    const url = new URL(value, self.location.origin);
    if (url.origin === self.location.origin) return url.pathname + url.search + url.hash;
  } catch {
    // fall through
  }
  return FALLBACK_URL;
}

self.addEventListener("push", (event) => {
  const push = readPush(event.data);
  const options = {
    body: push.body,
    icon: "/icons/icon-192.png",
    badge: "/icons/badge-72.png",
    lang: "fr",
    requireInteraction: push.urgent,
    data: { url: push.url },
  };
  if (push.tag) {
    // One notification per conversation (or cahier, or blog): a newer one replaces
    // the older one, and still rings (renotify is only allowed with a tag).
    options.tag = push.tag;
    options.renotify = true;
  }
  // Always show one: with userVisibleOnly the browser would otherwise show
  // its own "updated in the background" notice, or revoke the subscription.
  event.waitUntil(self.registration.showNotification(push.title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = safeUrl(event.notification.data && event.notification.data.url);
  extend(event, openApp(url));
});

async function openApp(url) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const mine = windows.filter((client) => new URL(client.url).origin === self.location.origin);
  // The one in front if any, else the most recently used (matchAll's order).
  const client = mine.find((c) => c.focused) || mine.find((c) => c.visibilityState === "visible") || mine[0];
  if (client) {
    // The page changes its own route: no reload, no lost draft (js/push.js).
    client.postMessage({ type: "open", url });
    try {
      await client.focus();
    } catch {
      // Refused without a user gesture (or on some platforms): the page has moved anyway.
    }
    return;
  }
  try {
    await self.clients.openWindow(url);
  } catch (error) {
    console.warn("sw: cannot open a window", error);
  }
}

// waitUntil() throws on an event that was not dispatched by the browser
// (tests and devtools dispatch their own); the work must happen all the same.
function extend(event, promise) {
  try {
    event.waitUntil(promise);
  } catch {
    // the promise runs regardless
  }
}
