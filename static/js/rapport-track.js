/*
 * Rapport's website tracking snippet: page views, custom events and identify, batched.
 *
 *   <script src="https://crm.example.com/static/js/rapport-track.js"
 *           data-endpoint="https://crm.example.com/behaviour/collect/rsk_…" defer></script>
 *   rapport.track("added_to_cart", {sku: "A-100", price: 99});
 *   rapport.identify({email: "customer@example.com"});
 *
 * No framework, no eval, no cookies. The visitor's anonymous id stays in localStorage; a
 * session ends after 30 minutes without an event. Events are sent in batches (every 2 s, at 20
 * events, and when the page is hidden, with navigator.sendBeacon so the last ones are not lost).
 * Calls made before the script loaded (window.rapport = window.rapport || [] with
 * rapport.push(["track", name, props])) are replayed.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var endpoint = script && script.getAttribute("data-endpoint");
  if (!endpoint || (window.rapport && window.rapport.loaded)) {
    return;
  }
  var ANON_KEY = "rapport.anonymous_id";
  var SESSION_KEY = "rapport.session";
  var SESSION_IDLE_MS = 30 * 60 * 1000;
  var FLUSH_MS = 2000;
  var MAX_BATCH = 20;
  var queue = [];
  var timer = null;

  function randomId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] + 256).toString(16).slice(1);
    }
    return out;
  }

  function stored(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function store(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      /* private mode: ids live as long as the page */
    }
  }

  var anonymousId = stored(ANON_KEY) || randomId();
  store(ANON_KEY, anonymousId);
  var memorySession = null;

  function sessionId() {
    var now = Date.now();
    var session = null;
    try {
      session = JSON.parse(stored(SESSION_KEY) || "null");
    } catch (e) {
      session = null;
    }
    session = session || memorySession;
    if (!session || typeof session.id !== "string" || now - session.at > SESSION_IDLE_MS) {
      session = { id: randomId(), at: now };
    }
    session.at = now;
    memorySession = session;
    store(SESSION_KEY, JSON.stringify(session));
    return session.id;
  }

  function send(useBeacon) {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    while (queue.length) {
      var batch = queue.splice(0, MAX_BATCH);
      // text/plain: a "simple" request, so neither sendBeacon nor fetch needs a CORS preflight.
      var body = JSON.stringify({ events: batch });
      var sent = false;
      if (useBeacon && navigator.sendBeacon) {
        sent = navigator.sendBeacon(endpoint, new Blob([body], { type: "text/plain" }));
      }
      if (!sent && window.fetch) {
        window.fetch(endpoint, {
          method: "POST",
          body: body,
          headers: { "Content-Type": "text/plain" },
          keepalive: true,
          credentials: "omit",
          mode: "cors",
        }).catch(function () {});
      }
    }
  }

  function enqueue(event) {
    event.anonymous_id = anonymousId;
    event.session_id = sessionId();
    event.occurred_at = new Date().toISOString();
    queue.push(event);
    if (queue.length >= MAX_BATCH) {
      send(false);
    } else if (!timer) {
      timer = setTimeout(function () {
        send(false);
      }, FLUSH_MS);
    }
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function track(name, properties) {
    if (typeof name !== "string" || !name) {
      return;
    }
    enqueue({ name: name, properties: isObject(properties) ? properties : {} });
  }

  function page(properties) {
    var props = {
      url: window.location.href,
      path: window.location.pathname,
      title: document.title,
      referrer: document.referrer,
    };
    if (isObject(properties)) {
      for (var key in properties) {
        if (Object.prototype.hasOwnProperty.call(properties, key)) {
          props[key] = properties[key];
        }
      }
    }
    track("page_viewed", props);
  }

  function identify(traits) {
    if (!isObject(traits)) {
      return;
    }
    var event = { name: "identified", properties: {} };
    ["email", "phone", "external_id"].forEach(function (key) {
      if (typeof traits[key] === "string" && traits[key]) {
        event[key] = traits[key];
      }
    });
    if (event.email || event.phone || event.external_id) {
      enqueue(event);
      send(false);
    }
  }

  var earlier = Array.isArray(window.rapport) ? window.rapport : [];
  var api = {
    loaded: true,
    track: track,
    page: page,
    identify: identify,
    flush: function () {
      send(false);
    },
    anonymousId: function () {
      return anonymousId;
    },
    push: function (call) {
      if (Array.isArray(call) && typeof api[call[0]] === "function") {
        api[call[0]].apply(null, call.slice(1));
      }
    },
  };
  window.rapport = api;
  earlier.forEach(api.push);

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      send(true);
    }
  });
  window.addEventListener("pagehide", function () {
    send(true);
  });

  if (script.getAttribute("data-page-views") !== "off") {
    page();
  }
})();
