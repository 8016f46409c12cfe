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
export function yuan(v) {
  const n = Number(v) || 0;
  return n >= 100 ? n.toFixed(0) : n.toFixed(2).replace(/\.?0+$/, "");
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
