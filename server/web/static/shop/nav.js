// Routing: the page and its search state live in the URL hash.

import {PAGE_SIZE} from "./util.js";
import {SID, prefs} from "./state.js";

export function parseHash() {
  const h = location.hash.replace(/^#/, "") || "/";
  const [path, qs] = h.split("?");
  return {path, params: new URLSearchParams(qs || "")};
}
export function go(path, params) {
  const qs = params ? params.toString() : "";
  location.hash = "#" + path + (qs ? "?" + qs : "");
}
export function searchState(p) {
  return {
    q: p.get("q") || "", sort: p.get("sort") || "relevance", brand: (p.get("brand") || "").split(",").filter(Boolean),
    category: p.get("category") || "", pmin: p.get("price_min") || "", pmax: p.get("price_max") || "",
    platform: p.get("platform") || "", stock: p.get("in_stock") === "true", page: Math.max(1, parseInt(p.get("page"), 10) || 1),
    exact: p.get("correct") === "false", // search the query as typed, not its correction
  };
}
export function stateParams(s) {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  if (s.category) p.set("category", s.category);
  if (s.brand.length) p.set("brand", s.brand.join(","));
  if (s.pmin) p.set("price_min", s.pmin);
  if (s.pmax) p.set("price_max", s.pmax);
  if (s.platform) p.set("platform", s.platform);
  if (s.stock) p.set("in_stock", "true");
  if (s.sort !== "relevance") p.set("sort", s.sort);
  if (s.page > 1) p.set("page", String(s.page));
  if (s.exact) p.set("correct", "false");
  return p;
}
export function searchTo(s) { go("/search", stateParams(s)); }
export function apiParams(s, size) {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  if (s.category) p.set("category", s.category);
  if (s.brand && s.brand.length) p.set("brand", s.brand.join(","));
  if (s.pmin) p.set("price_min", s.pmin);
  if (s.pmax) p.set("price_max", s.pmax);
  if (s.platform) p.set("platform", s.platform);
  if (s.stock) p.set("in_stock", "true");
  if (s.sort && s.sort !== "relevance") p.set("sort", s.sort);
  if (s.exact) p.set("correct", "false");
  p.set("page", String(s.page || 1));
  p.set("size", String(size || PAGE_SIZE));
  if (prefs.region) p.set("region", prefs.region);
  p.set("device", prefs.device);
  p.set("user", SID);
  return p;
}

// rerender draws the current URL's page again (main.js listens).
export function rerender() { dispatchEvent(new HashChangeEvent("hashchange")); }
