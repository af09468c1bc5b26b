/*
 * crscope's browser behaviour, in one small file (no inline script: the CSP forbids it).
 *
 * The page's WebSocket belongs to htmx's ws extension (connect, reconnect); each message
 * is a set of out-of-band fragments in htmx's hx-swap-oob format. This file adds the rest:
 * - the connection indicator (live / reconnecting / paused, age of the last update); it
 *   says "live" only once a message arrived on the current socket, never on open alone,
 * - acks (the server sends at most a few unacknowledged messages: a slow tab gets fewer,
 *   fresher updates instead of a growing queue), pause/resume, "N updates waiting",
 * - reconnect after a clean server shutdown (the extension only retries abnormal closes),
 *   backing off further after each socket that closed before any message (a server that
 *   keeps refusing must not be hammered), and a "resynced" notice after a reconnect;
 *   a server that closed with 1012 (service restart, on SIGTERM) shows "server restarting"
 *   until a socket hears from it again,
 * - applying those fragments (plain DOM calls where htmx has nothing to do),
 * - relative times, un-highlighting changed rows, fading out deleted rows, copy buttons,
 *   the rail filter. Keys are keys.js's; it hears about each applied message through the
 *   "crscope:beforeapply" and "crscope:applied" events, and uses window.crscope.
 */
(function () {
  "use strict";

  var state = { socket: null, paused: false, lastUpdate: 0, lastElt: null,
                reconnecting: false, status: "connecting", retries: 0, problem: "",
                heard: false, failures: 0, restarting: false };

  try { state.paused = window.sessionStorage.getItem("crscope.paused") === "1"; } catch (e) { /* private mode */ }

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // -- time ---------------------------------------------------------------------------
  function compact(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) return seconds + "s";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + "m";
    var hours = Math.floor(minutes / 60); minutes = minutes % 60;
    if (hours < 24) return minutes ? hours + "h " + minutes + "m" : hours + "h";
    var days = Math.floor(hours / 24); hours = hours % 24;
    return hours ? days + "d " + hours + "h" : days + "d";
  }

  function refreshTimes(root) {
    var now = Date.now();
    $all("time[data-rel]", root).forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      if (isNaN(at)) return;
      var suffix = el.getAttribute("data-rel");
      var text = compact((now - at) / 1000) + (suffix ? " " + suffix : "");
      if (el.textContent !== text) el.textContent = text; // an unchanged write still relayouts
    });
  }

  // -- connection indicator -----------------------------------------------------------------
  function setStatus(status) {
    state.status = status;
    var conn = $("#conn");
    if (!conn) return;
    var shown = status === "live" && state.paused ? "paused" : status;
    conn.setAttribute("data-state", shown);
    var text = { live: "live", paused: "paused", reconnecting: "reconnecting",
                 restarting: "server restarting",
                 connecting: "connecting", offline: "offline", signedout: "signed out",
                 toomany: "too many tabs", unavailable: "cluster unavailable",
                 idle: "not live" }[shown] || shown;
    $(".conn-text", conn).textContent = text;
    conn.title = { toomany: "You have too many crscope pages open: close some, and this one " +
                            "reconnects by itself.",
                   signedout: "Signed out, or your credentials are no longer valid: reload " +
                              "to sign in again.",
                   restarting: "The server is restarting (an upgrade or a move): this page " +
                               "reconnects by itself and catches up." }[shown] ||
                 (shown === "unavailable" ? conn.title : "Live updates connection");
    renderAge();
  }

  function renderAge() {
    var age = $("#conn .conn-age");
    if (!age) return;
    age.textContent = state.lastUpdate ? " · " + compact((Date.now() - state.lastUpdate) / 1000) + " ago" : "";
    if (state.lastUpdate) age.title = "last update " + new Date(state.lastUpdate).toLocaleString();
  }

  function toast(text) {
    var el = $("#toast");
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
    el.classList.remove("toast-out");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { el.classList.add("toast-out"); }, 2500);
    clearTimeout(toast.hideTimer);
    toast.hideTimer = setTimeout(function () { el.hidden = true; }, 2800);
  }

  function setWaiting(count) {
    var el = $("#waiting");
    if (!el) return;
    if (state.paused && count > 0) {
      el.hidden = false;
      el.textContent = count + (count === 1 ? " update waiting" : " updates waiting");
    } else {
      el.hidden = true;
      el.textContent = "";
    }
  }

  function renderPause() {
    var button = $("#pause");
    if (!button) return;
    button.setAttribute("aria-pressed", state.paused ? "true" : "false");
    $("span", button).textContent = state.paused ? "Resume" : "Pause";
    button.title = state.paused ? "Resume live updates (applies waiting updates)" : "Pause live updates";
    if (!state.paused) setWaiting(0);
    setStatus(state.status);
  }

  function send(message) {
    if (state.socket) state.socket.send(JSON.stringify(message));
  }

  // Backoff for reconnects: up to 8 s while the server comes back; up to a minute once
  // sockets keep closing before any message (each such close doubles it), unless the
  // server said it is restarting (1012): then it is expected back, not refusing.
  function reconnectDelay(retry) {
    var refusing = state.failures > 0 && !state.restarting;
    var base = refusing ? Math.min(1000 * Math.pow(2, state.failures), 60000)
                        : Math.min(500 * Math.pow(2, retry), 8000);
    return base / 2 + Math.random() * base / 2;
  }

  // What a lost socket is: the server said it restarts (1012), or we just lost it.
  function retrying() { return state.restarting ? "restarting" : "reconnecting"; }

  function onOpen(evt) {
    state.socket = evt.detail.socketWrapper;
    state.heard = false;
    // The same element reconnecting means we missed updates; a new element is a new view.
    state.reconnecting = state.lastElt === evt.target;
    state.lastElt = evt.target;
    if (state.paused) send({ pause: true });
    // Not "live" yet: a socket the server closes before its first message is not live.
    if (state.status !== "toomany") setStatus(state.reconnecting ? retrying() : "connecting");
  }

  function onClose(evt) {
    var elt = evt.target;
    if (!document.body.contains(elt)) return; // the view was replaced: a new socket follows
    var code = evt.detail && evt.detail.event ? evt.detail.event.code : 1006;
    state.socket = null;
    if (!state.heard) state.failures++;
    state.heard = false;
    if (code === 4401) { setStatus("signedout"); return; }
    var wrapper = evt.detail.socketWrapper;
    if (code === 4429) { // over the per-user cap: try again, slowly, in case tabs closed
      setStatus("toomany");
      state.failures = Math.max(state.failures, 3);
    } else if (code >= 4000) { setStatus("offline"); return; }
    else {
      if (code === 1012) state.restarting = true;
      setStatus(retrying());
    }
    var retried = [1006, 1011, 1012, 1013].indexOf(code) >= 0;
    if (!retried && wrapper) {
      setTimeout(function () {
        if (document.body.contains(elt)) wrapper.reconnect();
      }, reconnectDelay(state.retries++));
    }
  }

  function onMessage() {
    var meta = $("#live-meta");
    if (!meta) return;
    var seq = parseInt(meta.getAttribute("data-seq"), 10);
    if (!isNaN(seq)) send({ ack: seq });
    if (!state.heard) {
      state.heard = true; state.failures = 0; state.retries = 0; state.restarting = false;
    }
    var notice = meta.getAttribute("data-notice");
    if (notice) toast(notice);
    var problem = meta.getAttribute("data-problem") || "";
    if (problem) { setStatus("unavailable"); $("#conn").title = problem; }
    else if (state.status !== "live") setStatus("live");
    var resync = meta.getAttribute("data-resync");
    if (resync === "overflow") toast("Many changes at once: view refreshed");
    else if (resync && state.reconnecting) toast("Reconnected: view resynced");
    if (resync) state.reconnecting = false;
    var at = parseFloat(meta.getAttribute("data-at"));
    if (!isNaN(at)) state.lastUpdate = at * 1000;
    setWaiting(parseInt(meta.getAttribute("data-waiting"), 10) || 0);
    refreshTimes();
    fadeFlashes();
    removeLeaving();
    applyRailFilter();
    renderAge();
  }

  // -- applying a message --------------------------------------------------------------------
  // A message is a list of out-of-band fragments (hx-swap-oob="true" or "style:#target").
  // htmx.swap fires several events for every element it adds and for every element it
  // cleans up, about a thousand per fifteen changed rows, and on a busy table that alone
  // made pages fall behind. Rows, badges and timeline items carry no htmx attributes, so
  // they are swapped here with plain DOM calls; only fragments that htmx must process (or
  // that replace something it processed: forms, hx-get links, the bell) go through htmx.
  var HTMX_OWNED = "[hx-get],[hx-post],[hx-put],[hx-patch],[hx-delete],[hx-trigger]," +
                   "[hx-boost],[ws-connect],[data-hx-get],[data-hx-trigger]";
  var PLACES = { beforebegin: "before", afterend: "after", afterbegin: "prepend", beforeend: "append" };

  function htmxOwned(el) { return el.matches(HTMX_OWNED) || el.querySelector(HTMX_OWNED) !== null; }

  function fragmentsOf(text) {
    var holder = document.createElement("template");
    holder.innerHTML = text;
    var out = [];
    Array.prototype.slice.call(holder.content.children).forEach(function (el) {
      if (el.tagName === "TEMPLATE") out = out.concat(Array.prototype.slice.call(el.content.children));
      else out.push(el);
    });
    return out;
  }

  function applyFragment(el) {
    var spec = el.getAttribute("hx-swap-oob") || "true";
    var colon = spec.indexOf(":");
    var style = spec === "true" ? "outerHTML" : colon > 0 ? spec.slice(0, colon) : spec;
    var target = colon > 0 ? document.querySelector(spec.slice(colon + 1)) : el.id ? document.getElementById(el.id) : null;
    if (!target) return true; // nothing to update on this page (htmx drops these too)
    if (htmxOwned(el) || (PLACES[style] === undefined && htmxOwned(target))) return false;
    el.removeAttribute("hx-swap-oob");
    if (style === "outerHTML") target.replaceWith(el);
    else if (style === "delete") target.remove();
    else if (style === "innerHTML") target.replaceChildren.apply(target, Array.prototype.slice.call(el.childNodes));
    else if (PLACES[style]) target[PLACES[style]].apply(target, Array.prototype.slice.call(el.childNodes));
    else return false;
    return true;
  }

  function applyMessage(text) {
    var fragments = fragmentsOf(text);
    var bell = fragments.some(function (el) { return el.id === "notify-bell"; });
    var rest = fragments.filter(function (el) { return !applyFragment(el); });
    if (rest.length) {
      var html = rest.map(function (el) {
        return el.tagName === "TR" ? "<template>" + el.outerHTML + "</template>" : el.outerHTML;
      }).join("");
      htmx.swap(document.body, html, { swapStyle: "none" });
    }
    // The server pushes the bell when an in-app notification arrives: lists of
    // notifications on the page (hx-trigger "notify-changed from:body") refresh now.
    if (bell) document.body.dispatchEvent(new CustomEvent("notify-changed"));
  }

  // -- swapped content ------------------------------------------------------------------------
  function removeLeaving() {
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    $all(".leaving").forEach(function (el) {
      if (el.getAttribute("data-going")) return;
      el.setAttribute("data-going", "1");
      setTimeout(function () { if (el.parentNode) el.parentNode.removeChild(el); }, reduce ? 0 : 200);
    });
  }

  // Changed rows arrive with class "flash"; a second later they look like the rest.
  function fadeFlashes() {
    var fresh = $all(".flash").filter(function (el) { return !el.crscopeFlash; });
    if (!fresh.length) return;
    fresh.forEach(function (el) { el.crscopeFlash = true; });
    setTimeout(function () {
      fresh.forEach(function (el) { el.classList.remove("flash"); });
    }, 1000);
  }

  function applyRailFilter() {
    var input = $("#rail-filter");
    var text = input ? input.value.trim().toLowerCase() : "";
    $all("#rail-kinds li[data-filter]").forEach(function (li) {
      li.hidden = text !== "" && li.getAttribute("data-filter").indexOf(text) < 0;
    });
    $all("#rail-kinds .rail-group").forEach(function (group) {
      group.hidden = $all("li[data-filter]", group).every(function (li) { return li.hidden; });
    });
  }

  function copyText(text, done) {
    if (!navigator.clipboard) { toast("Copy failed: no clipboard here"); return; }
    navigator.clipboard.writeText(text).then(function () { toast(done); },
      function () { toast("Copy failed"); });
  }

  window.crscope = { toast: toast, copy: copyText };

  document.addEventListener("click", function (evt) {
    var copy = evt.target.closest ? evt.target.closest("[data-copy]") : null;
    if (copy) {
      var source = $(copy.getAttribute("data-copy"));
      if (source) copyText(source.textContent, copy.getAttribute("data-copy-done") || "Copied");
      return;
    }
    var link = evt.target.closest ? evt.target.closest("[data-copy-link]") : null;
    if (link) {
      // The view's own URL made absolute here: the server cannot know the host the
      // person reached it by (an ingress, a port-forward), the address bar does.
      copyText(new URL(link.getAttribute("data-copy-link"), window.location.href).href,
        "Copied a link to this view");
      return;
    }
    var pause = evt.target.closest ? evt.target.closest("#pause") : null;
    if (pause) {
      state.paused = !state.paused;
      try { window.sessionStorage.setItem("crscope.paused", state.paused ? "1" : "0"); } catch (e) { /* ignore */ }
      send({ pause: state.paused });
      renderPause();
    }
  });

  // The time-travel slider names the time it points at while it moves and sets the
  // form's exact "at" (a slider snaps to its steps, so it is not the field itself: other
  // filters keep the exact time). The list is fetched on release (the form's "change").
  document.addEventListener("input", function (evt) {
    var slider = evt.target;
    if (!slider.hasAttribute || !slider.hasAttribute("data-at-slider")) return;
    var exact = slider.form ? slider.form.querySelector("input[name='at']") : null;
    if (exact) exact.value = slider.value;
    var out = document.getElementById("at-text");
    var when = new Date(Number(slider.value) * 1000);
    if (out && !isNaN(when.getTime())) {
      out.textContent = when.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
    }
  });

  // A plain form whose select applies itself (the home page's namespace scope).
  document.addEventListener("change", function (evt) {
    var select = evt.target;
    if (select.hasAttribute && select.hasAttribute("data-submit-on-change") && select.form) {
      select.form.submit();
    }
  });

  // Filter forms send every field; empty ones would only clutter the shared URL.
  document.addEventListener("htmx:configRequest", function (evt) {
    var data = evt.detail.formData;
    if (evt.detail.verb !== "get" || !data || !data.keys) return;
    Array.from(new Set(Array.from(data.keys()))).forEach(function (key) {
      if (data.getAll(key).every(function (v) { return v === ""; })) data.delete(key);
    });
    // The column chooser left as kubectl's default is not a choice: keep it off the URL.
    var form = evt.detail.elt && evt.detail.elt.closest ? evt.detail.elt.closest("form") : null;
    var boxes = form ? Array.from(form.querySelectorAll("input[name='columns'][data-default]")) : [];
    if (boxes.length && boxes.every(function (b) { return b.checked === (b.getAttribute("data-default") === "1"); })) {
      data.delete("columns");
    }
  });

  document.addEventListener("input", function (evt) {
    if (evt.target && evt.target.id === "rail-filter") applyRailFilter();
  });

  function boot() {
    if (window.htmx) htmx.config.wsReconnectDelay = reconnectDelay;
    document.body.addEventListener("htmx:wsConnecting", function (evt) {
      if (state.lastElt === evt.target && state.status !== "toomany") setStatus(retrying());
    });
    document.body.addEventListener("htmx:wsOpen", onOpen);
    document.body.addEventListener("htmx:wsClose", onClose);
    // Messages are applied here rather than by the extension's per-element loop (see
    // applyMessage); table rows come wrapped in <template>, the only way to send a bare
    // <tr> beside other elements.
    document.body.addEventListener("htmx:wsBeforeMessage", function (evt) {
      evt.preventDefault();
      document.dispatchEvent(new CustomEvent("crscope:beforeapply"));
      applyMessage(evt.detail.message);
      onMessage();
      document.dispatchEvent(new CustomEvent("crscope:applied"));
    });
    document.body.addEventListener("htmx:afterSettle", function () { refreshTimes(); });
    renderPause();
    if (!document.querySelector("[ws-connect]")) setStatus("idle"); // e.g. an error page
    refreshTimes();
    setInterval(refreshTimes, 5000);
    setInterval(renderAge, 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
}());
