/* Saved views: named links to filtered lists, kept in this browser (localStorage).
 *
 * Why in the browser: a view is a URL (filters, sort, namespace, time), so nothing needs
 * storing on the server, and the dashboard stays read-only and stateless per user. The
 * list is rendered with DOM calls (textContent, never innerHTML): a name is whatever a
 * person typed. Only same-origin paths are kept, so a tampered entry cannot become a
 * javascript: or off-site link.
 */
(function () {
  "use strict";
  var KEY = "crscope.savedViews";
  var MAX = 50;

  // Only a path of this site: resolved as the browser would follow it (which drops tabs
  // and newlines, so "/\t/host" is off-site), then compared by origin.
  function sameSite(url) {
    try {
      return new URL(url, window.location.origin).origin === window.location.origin;
    } catch (e) { return false; }
  }

  function valid(view) {
    return view && typeof view.name === "string" && typeof view.url === "string" &&
      view.name.length > 0 && view.url.charAt(0) === "/" && view.url.charAt(1) !== "/" &&
      sameSite(view.url);
  }

  function load() {
    try {
      var views = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(views) ? views.filter(valid).slice(0, MAX) : [];
    } catch (e) { return []; }
  }

  function store(views) {
    try { window.localStorage.setItem(KEY, JSON.stringify(views)); return true; } catch (e) { return false; }
  }

  function render() {
    var box = document.getElementById("saved-views");
    var list = document.getElementById("saved-views-list");
    if (!box || !list) return;
    var views = load();
    while (list.firstChild) list.removeChild(list.firstChild);
    var here = window.location.pathname + window.location.search;
    views.forEach(function (view, index) {
      var item = document.createElement("li");
      item.className = "saved-view";
      var link = document.createElement("a");
      link.className = "rail-kind";
      link.href = view.url;
      link.textContent = view.name;
      link.title = view.url;
      if (view.url === here) link.setAttribute("aria-current", "page");
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn-quiet remove-view";
      remove.setAttribute("data-remove-view", String(index));
      remove.setAttribute("aria-label", "Remove saved view " + view.name);
      remove.textContent = "\u00d7";
      item.appendChild(link);
      item.appendChild(remove);
      list.appendChild(item);
    });
    box.hidden = views.length === 0;
  }

  function save(url, name) {
    if (!valid({ name: "x", url: url })) return;
    name = name.trim().slice(0, 80);
    if (!name) return;
    var views = load().filter(function (v) { return v.name !== name; });
    views.unshift({ name: name, url: url });
    if (store(views.slice(0, MAX)) && window.crscope) window.crscope.toast("Saved view \u201c" + name + "\u201d");
    render();
  }

  // The name is asked for in a small form beside the button (not window.prompt, which
  // blocks the page and cannot be styled or reached the same way by every keyboard user).
  function ask(button) {
    var form = document.querySelector("[data-save-form]");
    if (!form) return;
    form.hidden = false;
    form.setAttribute("data-url", button.getAttribute("data-save-view"));
    var input = form.querySelector("input");
    input.value = button.getAttribute("data-save-name") || "";
    input.focus();
    input.select();
  }

  function close(form) {
    form.hidden = true;
    var button = document.querySelector("[data-save-view]");
    if (button) button.focus();
  }

  document.addEventListener("click", function (evt) {
    var target = evt.target.closest ? evt.target.closest("[data-save-view], [data-remove-view], [data-save-cancel]") : null;
    if (!target) return;
    if (target.hasAttribute("data-save-view")) { ask(target); return; }
    if (target.hasAttribute("data-save-cancel")) { close(target.closest("[data-save-form]")); return; }
    var views = load();
    views.splice(Number(target.getAttribute("data-remove-view")), 1);
    store(views);
    render();
  });
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.hasAttribute || !form.hasAttribute("data-save-form")) return;
    evt.preventDefault();
    evt.stopPropagation();
    save(form.getAttribute("data-url") || "", form.querySelector("input").value);
    close(form);
  }, true);
  // Esc in the name field closes the form, before the page's own Esc (go back) sees it.
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape" || !evt.target.closest) return;
    var form = evt.target.closest("[data-save-form]");
    if (!form) return;
    evt.preventDefault();
    evt.stopPropagation();
    close(form);
  }, true);
  window.addEventListener("storage", function (evt) { if (evt.key === KEY) render(); });
  document.addEventListener("htmx:pushedIntoHistory", render);

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
}());
