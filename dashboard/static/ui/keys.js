/*
 * crscope's keyboard, at k9s's level (no inline script: the CSP forbids it).
 *
 * Why a file of its own: crscope.js owns the live socket and applying fragments; this owns
 * what keys do. The two meet at two events crscope.js fires around every live message
 * ("crscope:beforeapply", "crscope:applied") and at window.crscope (toast, copy).
 *
 * - j/k and arrows move a row cursor over the list's rows (and the home page's attention
 *   rows); Enter opens the row. The cursor is kept by row id, not by index: live updates
 *   replace rows by id, so the same object keeps the cursor wherever it moves; when its row
 *   leaves, the cursor stays at the same place, clamped to the rows that are left.
 * - Esc closes what is open, clears a search, or goes back; "/" focuses the search, "?"
 *   shows the keys, ":" opens a palette of the rail's kinds (so it lists only kinds the
 *   viewer may list), "g h" goes home, "y" copies the object's YAML for apply.
 * - Keys are ignored while typing in a field and with Ctrl, Alt or Meta held.
 */
(function () {
  "use strict";

  var ROWS = "#rows > tr.row[id]:not(.leaving), #attention-rows > tr.row[id]:not(.leaving), " +
    "#event-rows > tr.row[id]";
  var LINK = "td.name a, td.obj a";
  var cursor = { id: "", index: -1 };
  var pendingG = 0; // when "g" was pressed: "g h" must follow within a moment

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function toast(text) { if (window.crscope) window.crscope.toast(text); }

  function typingIn(el) {
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // -- the row cursor -------------------------------------------------------------------------
  function rows() { return $all(ROWS); }
  function linkOf(row) { return row ? $(LINK, row) || $("a[href]", row) : null; }

  function mark(row) {
    $all("tr.cursor").forEach(function (el) {
      if (el !== row) { el.classList.remove("cursor"); el.removeAttribute("aria-selected"); }
    });
    if (row) { row.classList.add("cursor"); row.setAttribute("aria-selected", "true"); }
  }

  function setCursor(row, focus) {
    var all = rows();
    cursor.id = row ? row.id : "";
    cursor.index = row ? all.indexOf(row) : -1;
    mark(row);
    if (row && focus) {
      var link = linkOf(row);
      if (link) link.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
  }

  // The row the cursor is on now: by id; if that row left, the one now at its place.
  function currentRow() {
    if (!cursor.id) return null;
    var row = document.getElementById(cursor.id);
    if (row && row.matches(ROWS)) return row;
    var all = rows();
    if (!all.length) return null;
    return all[Math.min(cursor.index, all.length - 1)];
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var row = currentRow();
    var at = row ? all.indexOf(row) + step : 0;
    setCursor(all[Math.max(0, Math.min(at, all.length - 1))], true);
  }

  function cursorHasFocus() {
    var row = cursor.id ? document.getElementById(cursor.id) : null;
    return !!row && row.contains(document.activeElement);
  }

  // After rows were swapped: the cursor stays on its object, or at its place, clamped.
  function restore(refocus) {
    if (!cursor.id) return;
    var row = currentRow();
    if (!row) { cursor.id = ""; cursor.index = -1; mark(null); return; }
    var focused = document.activeElement;
    var lost = !focused || focused === document.body;
    setCursor(row, refocus && lost);
  }

  // -- dialogs: the keys overlay and the kind palette -------------------------------------------
  function openDialog(dialog) {
    if (!dialog || dialog.open) return;
    dialog.crscopeOpener = document.activeElement;
    dialog.showModal(); // modal: the rest of the page is inert, so focus stays inside
  }

  function onDialogClose(evt) {
    var opener = evt.target.crscopeOpener;
    if (opener && opener !== document.body && document.body.contains(opener)) opener.focus();
    else { var row = currentRow(); if (row) setCursor(row, true); }
  }

  function anyDialogOpen() { return !!$("dialog[open]"); }

  // A modal dialog lets Tab leave for the browser's own controls; keep it in the dialog.
  function trapTab(evt) {
    var dialog = $("dialog[open]");
    if (!dialog || evt.key !== "Tab") return;
    var stops = $all("a[href], button, input, select, textarea, [tabindex='0']", dialog);
    if (!stops.length) return;
    var first = stops[0], last = stops[stops.length - 1];
    var inside = dialog.contains(document.activeElement);
    if (!inside || (evt.shiftKey && document.activeElement === first)) {
      evt.preventDefault(); (evt.shiftKey ? last : first).focus();
    } else if (!evt.shiftKey && document.activeElement === last) {
      evt.preventDefault(); first.focus();
    }
  }

  // Fuzzy match: every typed character in order; runs and word starts score higher.
  function fuzzyScore(query, text) {
    if (!query) return 1;
    var score = 0, at = 0, run = 0;
    for (var i = 0; i < query.length; i++) {
      var found = text.indexOf(query.charAt(i), at);
      if (found < 0) return -1;
      run = found === at && i > 0 ? run + 1 : 0;
      score += 1 + run * 2 + (found === 0 || /[\s./-]/.test(text.charAt(found - 1)) ? 3 : 0);
      at = found + 1;
    }
    return score - text.length / 100;
  }

  function paletteKinds() {
    return $all("#rail-kinds a.rail-kind").map(function (a) {
      var li = a.closest("li");
      var group = a.closest(".rail-group");
      return { kind: $(".rail-kind-name", a).textContent.trim(), href: a.getAttribute("href"),
               group: group ? group.getAttribute("data-group") : "",
               text: li ? li.getAttribute("data-filter") : a.textContent.toLowerCase() };
    });
  }

  function renderPalette() {
    var input = $("#palette-input"), list = $("#palette-list");
    var query = input.value.trim().toLowerCase().replace(/\s+/g, "");
    var kinds = paletteKinds().map(function (k) {
      var byName = fuzzyScore(query, k.kind.toLowerCase()); // a match in the name counts more
      return { k: k, score: Math.max(byName < 0 ? -1 : byName + 5, fuzzyScore(query, k.text)) };
    }).filter(function (m) { return m.score >= 0; });
    kinds.sort(function (a, b) { return b.score - a.score || a.k.kind.localeCompare(b.k.kind); });
    list.replaceChildren.apply(list, kinds.map(function (m, i) {
      var li = document.createElement("li");
      li.id = "palette-opt-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("data-href", m.k.href);
      var name = document.createElement("span");
      name.className = "palette-kind";
      name.textContent = m.k.kind;
      var group = document.createElement("span");
      group.className = "muted small";
      group.textContent = m.k.group;
      li.append(name, " ", group);
      return li;
    }));
    $("#palette-empty").hidden = kinds.length > 0;
    selectOption(0);
  }

  function selectOption(index) {
    var options = $all("#palette-list [role=option]");
    var input = $("#palette-input");
    options.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }

  function selectedOption() { return $("#palette-list [aria-selected=true]"); }

  function openPalette() {
    var dialog = $("#kind-palette");
    if (!dialog) return;
    $("#palette-input").value = "";
    renderPalette();
    openDialog(dialog);
    $("#palette-input").focus();
  }

  function onPaletteKey(evt) {
    var options = $all("#palette-list [role=option]");
    var at = options.indexOf(selectedOption());
    if (evt.key === "ArrowDown" || evt.key === "ArrowUp") {
      evt.preventDefault();
      var step = evt.key === "ArrowDown" ? 1 : -1;
      if (options.length) selectOption((at + step + options.length) % options.length);
    } else if (evt.key === "Enter") {
      evt.preventDefault();
      var chosen = selectedOption();
      if (chosen) window.location.assign(chosen.getAttribute("data-href"));
    }
  }

  // -- actions ---------------------------------------------------------------------------------
  function openRow() {
    var link = linkOf(currentRow());
    if (link) window.location.assign(link.getAttribute("href"));
  }

  // Esc outside a field: leave this page for the one it came from (or the one above it).
  function goBack() {
    var cameFromHere = document.referrer.indexOf(window.location.origin + "/") === 0;
    if (cameFromHere && window.history.length > 1) { window.history.back(); return; }
    var kindLink = $("#view.detail .crumbs a[href^='/k/']");
    if (kindLink) window.location.assign(kindLink.getAttribute("href"));
    else if ($("#view.list-view")) window.location.assign("/");
  }

  function clearSearch(input) {
    if (input.value) {
      input.value = "";
      input.dispatchEvent(new Event("input", { bubbles: true })); // the list refilters
    } else input.blur();
  }

  function copyYaml() {
    var source = $("#yaml-apply") || $("pre#yaml-text");
    if (!source) {
      if ($("#yaml-text")) toast("This YAML is large: press \u201cShow YAML\u201d first");
      return;
    }
    window.crscope.copy(source.textContent, $("#yaml-apply") ? "Copied YAML for apply" : "Copied YAML");
  }

  var KEYS = {
    j: function () { move(1); }, ArrowDown: function () { move(1); },
    k: function () { move(-1); }, ArrowUp: function () { move(-1); },
    "?": function () { openDialog($("#keys-help")); },
    ":": openPalette,
    y: function () { if ($("#view.detail")) copyYaml(); else return false; },
    "/": function () {
      var search = $("#global-search");
      if (!search) return false;
      search.focus(); search.select();
    },
  };

  function onKey(evt) {
    if (evt.ctrlKey || evt.metaKey || evt.altKey || evt.defaultPrevented) return;
    var target = evt.target;
    if (evt.key === "Escape" && typingIn(target) && target.type === "search") {
      evt.preventDefault(); clearSearch(target); return;
    }
    if (typingIn(target) || anyDialogOpen()) return;
    var arrows = evt.key === "ArrowDown" || evt.key === "ArrowUp";
    if (arrows && !rows().length) return; // let the page scroll
    if (evt.key === "Enter") {
      // A focused link or button opens itself; Enter elsewhere opens the cursor's row.
      if (target && target.closest && target.closest("a[href], button, summary")) return;
      if (currentRow()) { evt.preventDefault(); openRow(); }
      return;
    }
    if (evt.key === "Escape") { goBack(); return; }
    if (evt.key === "g") { pendingG = Date.now(); return; }
    if (evt.key === "h" && pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0; evt.preventDefault(); window.location.assign("/"); return;
    }
    pendingG = 0;
    var action = KEYS[evt.key];
    if (action && action(evt) !== false) evt.preventDefault();
  }

  function boot() {
    document.addEventListener("keydown", onKey);
    document.addEventListener("keydown", trapTab);
    // Tabbing into a row puts the cursor there: one place for "where am I".
    document.addEventListener("focusin", function (evt) {
      var row = evt.target.closest ? evt.target.closest("tr.row[id]") : null;
      if (row && row.matches(ROWS) && row.id !== cursor.id) setCursor(row, false);
    });
    var skip = $("#skip-link");
    if (skip) skip.addEventListener("click", function (evt) {
      var row = currentRow() || rows()[0];
      if (!row) return; // the link's own target, #main, takes focus
      evt.preventDefault();
      setCursor(row, true);
    });
    $all("dialog.keys-dialog").forEach(function (d) { d.addEventListener("close", onDialogClose); });
    var input = $("#palette-input");
    if (input) {
      input.addEventListener("input", renderPalette);
      input.addEventListener("keydown", onPaletteKey);
      $("#palette-list").addEventListener("click", function (evt) {
        var li = evt.target.closest("[role=option]");
        if (li) window.location.assign(li.getAttribute("data-href"));
      });
    }
    var help = $("#keys-button");
    if (help) help.addEventListener("click", function () { openDialog($("#keys-help")); });
    $all("[data-close-dialog]").forEach(function (b) {
      b.addEventListener("click", function () { b.closest("dialog").close(); });
    });
    var focusBefore = false;
    document.addEventListener("crscope:beforeapply", function () { focusBefore = cursorHasFocus(); });
    document.addEventListener("crscope:applied", function () { restore(focusBefore); });
    document.body.addEventListener("htmx:afterSettle", function () { restore(false); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
}());
