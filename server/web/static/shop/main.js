// The shopsearch storefront: the router, the search box with its
// suggestions, the region and device preferences. Plain DOM, ES modules, no
// build step.

import {$, el, add, save, getJSON} from "./util.js";
import {SID, prefs, showCartCount, hot, loadHot} from "./state.js";
import {parseHash, searchState, stateParams, searchTo} from "./nav.js";
import {renderSearch} from "./search.js";
import {renderHome, renderItem, renderCart, renderOrder} from "./pages.js";

let renderSeq = 0;
function route() {
  const seq = ++renderSeq;
  const {path, params} = parseHash();
  closeSug();
  const view = $("view");
  view.textContent = "";
  view.dataset.ready = "";
  // The box shows the query of the results on screen and nothing elsewhere
  // (a product or cart page must not look like it answers the old query).
  $("q").value = "";
  const fresh = () => seq === renderSeq; // a later navigation supersedes this one
  // done marks the page rendered (what the browser tests wait for).
  fresh.done = () => { if (seq === renderSeq) view.dataset.ready = location.hash || "#/"; };
  if (path === "/search") {
    const s = searchState(params);
    $("q").value = s.q;
    renderSearch(view, s, fresh);
  } else if (path.startsWith("/item/")) {
    renderItem(view, decodeURIComponent(path.slice(6)), params, fresh);
  } else if (path === "/cart") {
    renderCart(view, fresh);
  } else if (path.startsWith("/order/")) {
    renderOrder(view, decodeURIComponent(path.slice(7)), fresh);
  } else {
    renderHome(view, fresh);
  }
  scrollTo(0, 0);
}
const sug = {items: [], active: -1, seq: 0, timer: 0};
function closeSug() {
  $("sug").hidden = true;
  $("q").setAttribute("aria-expanded", "false");
  sug.items = [];
  sug.active = -1;
}
function renderSug(list, head, q) {
  const ul = $("sug");
  ul.textContent = "";
  ul.dataset.q = q;
  sug.items = list;
  sug.active = -1;
  if (!list.length) { closeSug(); return; }
  if (head) { const h = el("li", "head", head); h.setAttribute("aria-disabled", "true"); ul.appendChild(h); }
  list.forEach((s, i) => {
    const li = el("li");
    li.id = "sug-" + i;
    li.setAttribute("role", "option");
    li.dataset.text = s.text;
    add(li, el("span", "", s.text));
    if (s.categories && s.categories.length) li.appendChild(el("small", "", s.categories[0]));
    li.addEventListener("mousedown", ev => { ev.preventDefault(); pick(i); });
    ul.appendChild(li);
  });
  ul.hidden = false;
  $("q").setAttribute("aria-expanded", "true");
}
function moveSug(d) {
  if (!sug.items.length) return;
  // The positions cycle through the suggestions and back to the typed text (-1).
  const n = sug.items.length + 1;
  sug.active = (sug.active + 1 + d + n) % n - 1;
  const lis = $("sug").querySelectorAll("li[role=option]");
  lis.forEach((li, i) => li.classList.toggle("on", i === sug.active));
  if (sug.active >= 0) {
    $("q").setAttribute("aria-activedescendant", lis[sug.active].id);
    lis[sug.active].scrollIntoView({block: "nearest"});
  } else {
    $("q").removeAttribute("aria-activedescendant");
  }
}
function pick(i) {
  const s = sug.items[i];
  if (!s) return;
  $("q").value = s.text;
  closeSug();
  submitSearch(s.text);
}
function submitSearch(text) {
  const q = text.trim() || hot.hint;
  if (!q) return;
  const {path, params} = parseHash();
  const cur = path === "/search" ? searchState(params) : null;
  const s = {q, sort: cur ? cur.sort : "relevance", brand: [], category: "", pmin: "", pmax: "", platform: "", stock: false, page: 1};
  searchTo(s);
  if (cur && cur.q === q && location.hash === "#/search?" + stateParams(s)) route(); // same URL: search again
}
function fetchSug() {
  const q = $("q").value.trim();
  const seq = ++sug.seq;
  const p = new URLSearchParams({q, n: "10", user: SID});
  getJSON("/api/suggest?" + p).then(r => {
    if (seq !== sug.seq || document.activeElement !== $("q")) return;
    renderSug((r && r.suggestions) || [], q ? "" : "热门搜索", q);
  }).catch(() => { if (seq === sug.seq) closeSug(); });
}
function initSearchBox() {
  const q = $("q");
  q.addEventListener("input", () => { clearTimeout(sug.timer); sug.timer = setTimeout(fetchSug, 150); });
  q.addEventListener("focus", () => { clearTimeout(sug.timer); sug.timer = setTimeout(fetchSug, 0); });
  q.addEventListener("blur", () => setTimeout(closeSug, 100));
  q.addEventListener("keydown", ev => {
    if (ev.isComposing) return; // an IME is composing Chinese
    switch (ev.key) {
      case "ArrowDown": ev.preventDefault(); if ($("sug").hidden) fetchSug(); else moveSug(1); break;
      case "ArrowUp": ev.preventDefault(); moveSug(-1); break;
      case "Escape": // closes the drop-down; only a second Esc clears the box
        if (!$("sug").hidden) { ev.preventDefault(); closeSug(); }
        break;
      case "Enter":
        if (sug.active >= 0) { ev.preventDefault(); pick(sug.active); }
        break;
    }
  });
  $("sf").addEventListener("submit", ev => {
    ev.preventDefault();
    clearTimeout(sug.timer);
    sug.seq++;
    closeSug();
    submitSearch(q.value);
  });
}

function initPrefs() {
  const region = $("region");
  region.value = prefs.region;
  region.addEventListener("change", () => { prefs.region = region.value; save("ss_region", prefs.region); route(); });
  const dev = $("dev");
  const show = () => dev.querySelectorAll("button").forEach(b => b.classList.toggle("on", b.dataset.dev === prefs.device));
  dev.addEventListener("click", ev => {
    const b = ev.target.closest("button");
    if (!b) return;
    prefs.device = b.dataset.dev;
    save("ss_device", prefs.device);
    show();
    route();
  });
  show();
}

initSearchBox();
initPrefs();
showCartCount();
loadHot();
addEventListener("hashchange", route);
addEventListener("storage", ev => { if (ev.key === "ss_cart") showCartCount(); });
route();
