/* Enlace patient app service worker (scope /app/). Keeps the app's shell (styles, script,
   icon, the offline page) and each app page it has shown, so the app opens without signal:
   pages network-first (fresh when online, the kept copy offline), assets from the kept copy
   and refreshed behind it.
   The JSON API is never cached. Uploads are app.js's (a queue in localStorage, sent on
   reconnect). */
"use strict";
const VERSION = "enlace-app-1";
const SHELL = ["/app/offline", "/assets/enlace.css", "/assets/app.css", "/assets/app.js",
  "/assets/app-icon.svg", "/app/manifest.webmanifest"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== VERSION).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

function keepable(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

async function networkFirst(request) {
  const cache = await caches.open(VERSION);
  try {
    const response = await fetch(request);
    if (keepable(response)) await cache.put(request, response.clone());
    return response;
  } catch (offline) {
    return (await cache.match(request)) || (await cache.match("/app/offline"));
  }
}

/* Assets: the kept copy at once, refreshed from the network behind it (a new app.js reaches
   the phone on the next visit without a new worker version). */
async function keptThenRefreshed(event, request) {
  const cache = await caches.open(VERSION);
  const kept = await cache.match(request);
  const fresh = fetch(request).then(async (response) => {
    if (keepable(response)) await cache.put(request, response.clone());
    return response;
  });
  if (kept) {
    event.waitUntil(fresh.catch(() => undefined));
    return kept;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/app/api/")) return;
  if (url.pathname.startsWith("/assets/")) {
    event.respondWith(keptThenRefreshed(event, request));
  } else if (url.pathname.startsWith("/app/")) {
    event.respondWith(networkFirst(request));
  }
});

/* The page asks to keep the other main tabs, so they open offline even if never visited. */
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.warm) {
    event.waitUntil(caches.open(VERSION).then((cache) => Promise.all(data.warm.map(async (path) => {
      if (await cache.match(path)) return;
      try {
        const response = await fetch(path, {credentials: "same-origin"});
        if (keepable(response)) await cache.put(path, response);
      } catch (offline) { /* next time */ }
    }))));
  }
  if (data.forget) event.waitUntil(caches.delete(VERSION));
});
