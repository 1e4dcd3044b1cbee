// 企情在线 — service worker for the visit pages (served by visits.views.service_worker at
// /visits/sw.js, which puts QQ_PRECACHE in front of this file: the page and asset URLs).
// "我的企业" and "走访登记" open with no network: pages network-first (a fresh copy whenever there
// is a network, the last copy when there is none); static assets cache-first. Nothing is sent
// from here: the page itself keeps the visits in IndexedDB and sends them (visits-offline.js).
/* global QQ_PRECACHE */
"use strict";

var VERSION = "qq-visits-v1";
var PAGES = QQ_PRECACHE.pages;
var ASSETS = QQ_PRECACHE.assets;

function usable(response) {
  // A redirect (to the login page) or an error page must never become the offline copy.
  return response && response.ok && !response.redirected && response.type === "basic";
}

function store(cache, url) {
  return fetch(url, { credentials: "same-origin", cache: "no-store" })
    .then(function (response) {
      if (usable(response)) { return cache.put(url, response); }
      return null;
    })
    .catch(function () { return null; });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(VERSION)
      .then(function (cache) { return Promise.all(ASSETS.concat(PAGES).map(function (url) { return store(cache, url); })); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (keys) {
        return Promise.all(keys.filter(function (key) { return key !== VERSION; }).map(function (key) { return caches.delete(key); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function offlinePage() {
  var html = '<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<body style="font-family:sans-serif;padding:1.5rem"><p>' + QQ_PRECACHE.offline + '</p><p><a href="' + PAGES[0] + '">' + PAGES[0] + '</a></p></body></html>';
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }  // visits are sent by the page, never replayed here
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (PAGES.indexOf(url.pathname) !== -1) {
    // One copy per page whatever the query (?enterprise=…): the page script reads the query.
    event.respondWith(
      fetch(request)
        .then(function (response) {
          if (usable(response)) {
            var copy = response.clone();
            caches.open(VERSION).then(function (cache) { cache.put(url.pathname, copy); });
          }
          return response;
        })
        .catch(function () {
          return caches.match(url.pathname).then(function (hit) { return hit || offlinePage(); });
        })
    );
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1 || url.pathname.indexOf("/static/") === 0) {
    // The cached copy at once; a fresh one fetched behind it for the next time.
    event.respondWith(
      caches.match(request, { ignoreSearch: true }).then(function (hit) {
        var fresh = fetch(request).then(function (response) {
          if (usable(response)) {
            var copy = response.clone();
            caches.open(VERSION).then(function (cache) { cache.put(url.pathname, copy); });
          }
          return response;
        });
        if (hit) {
          fresh.catch(function () { return null; });
          return hit;
        }
        return fresh;
      })
    );
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(offlinePage));
  }
});
