// Console helpers: DOM building, formatting, messages, and the admin API
// with its bearer token (sessionStorage); a 401 shows the login.
// Everything from the API is inserted as text.

export const $ = id => document.getElementById(id);
export const TOKEN_KEY = "ss_admin_token";
export const FACTORS = [
  ["text", "文本相关", 3], ["stock", "库存", 1], ["new", "新品", 1], ["sales", "销量", 1], ["amount", "销售额", 1],
  ["promo", "促销", 1], ["category", "类目匹配", 1], ["ctr", "点击率", 1], ["cvr", "转化率", 1], ["self", "自营", 1],
  ["region", "区域库存", 1], ["brand", "品牌加权", 1], ["cat_boost", "类目加权", 1],
];
export const FACTOR_LABEL = Object.fromEntries(FACTORS.map(f => [f[0], f[1]]));
export const ACTION_LABEL = {pin: "置顶", bury: "沉底", hide: "屏蔽", boost: "加权"};

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
export function fmtTime(t) {
  if (!t || t.startsWith("0001")) return "";
  const d = new Date(t);
  return isNaN(d) ? t : d.toLocaleString("zh-CN", {hour12: false});
}
export function round(v, n) { const f = Math.pow(10, n || 3); return Math.round((Number(v) || 0) * f) / f; }
export function lines(text) { return text.split("\n").map(s => s.trim()).filter(Boolean); }
export function debounce(fn, ms) { let t = 0; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); }; }
export function author() { return $("author").value.trim() || localStorage.getItem("ss_admin_author") || ""; }

export let msgTimer = 0;
export function say(text, bad) {
  const m = $("msg");
  m.textContent = text;
  m.className = "msg" + (bad ? " bad" : "");
  m.hidden = false;
  clearTimeout(msgTimer);
  msgTimer = setTimeout(() => { m.hidden = true; }, bad ? 8000 : 4000);
}

export class Unauthorized extends Error {}

export async function api(method, path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY) || "";
  const opt = {method, headers: {Authorization: "Bearer " + token, Accept: "application/json"}};
  if (body !== undefined) { opt.body = JSON.stringify(body); opt.headers["Content-Type"] = "application/json"; }
  const r = await fetch(path, opt);
  let data = null;
  try { data = await r.json(); } catch (e) { /* empty */ }
  if (r.status === 401) {
    showLogin("令牌无效或未配置，请重新登录" + (data && data.message ? "（" + data.message + "）" : ""));
    throw new Unauthorized("unauthorized");
  }
  if (!r.ok) { const err = new Error((data && data.message) || ("HTTP " + r.status)); err.status = r.status; throw err; }
  return data;
}
// fail reports an error unless it sent the user to the login.
export function fail(err) { if (!(err instanceof Unauthorized)) say("出错：" + err.message, true); }

export function showLogin(why) {
  sessionStorage.removeItem(TOKEN_KEY);
  $("app").hidden = true;
  $("login").hidden = false;
  $("loginerr").textContent = why || "";
  $("token").focus();
}
