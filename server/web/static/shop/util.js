// Storefront helpers: DOM building, formatting, storage, the JSON fetch.
// Everything from the API is inserted as text, except a result's highlight
// (setHighlight), which the server HTML-escapes and marks with <em> only.

export const $ = id => document.getElementById(id);
export const SORTS = [["relevance", "综合"], ["sales", "销量"], ["price", "价格"], ["newest", "新品"]];
export const STOCK = {in_stock: ["有货", ""], low_stock: ["库存紧张", "low"], out_of_stock: ["无货", "out"]};
export const REGIONS = {bj: "北京", sh: "上海", gz: "广州", sz: "深圳", cd: "成都", wh: "武汉", xa: "西安", sy: "沈阳"};
export const PAGE_SIZE = 20;
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
export function add(parent, ...kids) {
  for (const k of kids) if (k) parent.appendChild(typeof k === "string" ? document.createTextNode(k) : k);
  return parent;
}
// fen is a price in yuan as whole fen (cents), so sums are exact.
export function fen(v) { return Math.round((Number(v) || 0) * 100); }
// yuan shows a price the shopper pays, to the fen: 341.9 → "341.90",
// 13682.7 → "13682.70". Never rounded to whole yuan.
export function yuan(v) {
  const f = fen(v);
  const sign = f < 0 ? "-" : "";
  const a = Math.abs(f);
  return sign + Math.floor(a / 100) + "." + String(a % 100).padStart(2, "0");
}
// yuanBound shows a price band's bound: whole yuan without ".00" (a facet
// chip's "¥100-300"), otherwise to the fen.
export function yuanBound(v) {
  const f = fen(v);
  return f % 100 === 0 ? String(f / 100) : yuan(v);
}
export function store(key, def) {
  try { const v = JSON.parse(localStorage.getItem(key)); return v === null ? def : v; } catch (e) { return def; }
}
export function save(key, v) { try { localStorage.setItem(key, JSON.stringify(v)); } catch (e) { /* private mode */ } }
export function rid() {
  const a = new Uint8Array(8);
  crypto.getRandomValues(a);
  return Array.from(a, b => b.toString(16).padStart(2, "0")).join("");
}
export function toast(text) {
  const t = el("div", "toast", text);
  document.body.appendChild(t);
  setTimeout(() => t.remove(), 1600);
}
// safeHighlight accepts the server's highlight only when its only markup
// is <em> and </em>; anything else shows the plain title.
export function setHighlight(node, it) {
  const h = typeof it.highlight === "string" ? it.highlight : "";
  if (h && !/<(?!\/?em>)/.test(h)) node.innerHTML = h;
  else node.textContent = it.title || it.id || "";
}
export async function getJSON(url) {
  const r = await fetch(url, {headers: {Accept: "application/json"}});
  let body = null;
  try { body = await r.json(); } catch (e) { /* not JSON */ }
  if (!r.ok) { const err = new Error((body && body.message) || ("HTTP " + r.status)); err.status = r.status; throw err; }
  return body;
}

export function effPrice(p) {
  return p.promo_price > 0 && (!p.price || p.promo_price < p.price) ? p.promo_price : (p.price || 0);
}
