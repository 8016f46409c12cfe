// The shopper's state: anonymous session id, preferences, the event batch
// sent to POST /api/events, the cart (localStorage) and the hot searches.

import {$, add, store, save, rid, getJSON, effPrice} from "./util.js";

export const SID = (() => { let s = store("ss_sid", ""); if (!s) { s = "anon-" + rid(); save("ss_sid", s); } return s; })();
export const prefs = {
  region: store("ss_region", ""),
  device: store("ss_device", matchMedia("(max-width: 700px)").matches ? "mobile" : "pc"),
};

export const events = {queue: [], off: false, timer: 0};
export function track(type, data) {
  if (events.off) return;
  events.queue.push(Object.assign({type, session_id: SID, time: new Date().toISOString(),
    region: prefs.region || undefined, device: prefs.device}, data));
  if (events.queue.length >= 20) flush(false);
  else if (!events.timer) events.timer = setTimeout(() => flush(false), 1000);
}
export function flush(leaving) {
  clearTimeout(events.timer);
  events.timer = 0;
  if (events.off || !events.queue.length) return;
  const body = JSON.stringify({events: events.queue.splice(0, 100)});
  if (leaving && navigator.sendBeacon) {
    navigator.sendBeacon("/api/events", new Blob([body], {type: "application/json"}));
    return;
  }
  fetch("/api/events", {method: "POST", body, keepalive: true, headers: {"Content-Type": "application/json"}})
    .then(r => { if (r.status === 404 || r.status === 405 || r.status === 501) events.off = true; })
    .catch(() => { /* offline: the events are dropped */ });
}
addEventListener("pagehide", () => flush(true));
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(true); });

export const cart = {
  items() { return store("ss_cart", []).filter(x => x && typeof x.id === "string"); },
  set(items) { save("ss_cart", items); showCartCount(); },
  add(p, qty) {
    const items = cart.items();
    const hit = items.find(x => x.id === p.id);
    if (hit) hit.qty = Math.min(99, hit.qty + qty);
    else items.push({id: p.id, title: p.title, price: effPrice(p), brand: p.brand || "", category: p.category || "", qty});
    cart.set(items);
  },
};
export function showCartCount() {
  const n = cart.items().reduce((s, x) => s + (x.qty || 0), 0);
  $("cartn").textContent = n ? String(n) : "";
}
export let hot = {hot: [], hint: ""};
// loadHot reads the hot searches and the hint. A server that has just
// started builds its suggest index in the background and answers none
// until then, so an empty answer is asked again for a few seconds (one
// request at a time, shared by the callers).
let hotPending = null;
export function loadHot() {
  if (!hotPending) hotPending = fetchHot(20).finally(() => { hotPending = null; });
  return hotPending;
}
function fetchHot(tries) {
  return getJSON("/api/hot").then(h => {
    hot = {hot: Array.isArray(h.hot) ? h.hot : [], hint: h.hint || ""};
    $("q").placeholder = hot.hint || "搜索商品";
    if (!hot.hot.length && !hot.hint && tries > 1) {
      return new Promise(r => setTimeout(r, 500)).then(() => fetchHot(tries - 1));
    }
    return hot;
  }).catch(() => hot);
}
