// Weight profiles: sliders, live preview, publish, history and rollback.

import {$, FACTORS, FACTOR_LABEL, el, add, fmtTime, debounce, author, say, api, fail} from "./util.js";
import {renderCompare} from "./compare.js";

export const W = {profiles: [], name: "default", current: null, history: [], sel: {}};

export async function initWeights() {
  const [list, sel] = await Promise.all([api("GET", "/api/admin/profiles"), api("GET", "/api/admin/selection")]);
  W.profiles = (list.profiles || []).map(p => p.name);
  if (!W.profiles.includes("default")) W.profiles.unshift("default");
  W.sel = sel || {};
  const ps = $("profile");
  ps.textContent = "";
  for (const n of W.profiles) { const o = el("option", "", n); o.value = n; ps.appendChild(o); }
  if (!W.profiles.includes(W.name)) W.name = "default";
  ps.value = W.name;
  $("author").value = localStorage.getItem("ss_admin_author") || "";
  if (!W.topFetched) { // the first login: preview the most searched query
    W.topFetched = true;
    api("GET", "/api/admin/stats/queries?n=1").then(r => {
      if (!$("pq").value && r.top && r.top.length) $("pq").value = r.top[0].query;
    }).catch(() => {});
  }
  await loadProfile(W.name);
}

export async function loadProfile(name) {
  const r = await api("GET", "/api/admin/profiles/" + encodeURIComponent(name));
  W.name = name;
  W.current = r.current;
  W.history = r.history || [];
  renderSliders(r.current);
  renderHistory();
  const p = r.current;
  $("profinfo").textContent = ["当前 v" + p.version, p.author || (p.version === 0 ? "内置默认" : ""), fmtTime(p.updated_at), p.note]
    .filter(Boolean).join(" · ");
}

export function renderSliders(p) {
  const box = $("sliders");
  box.textContent = "";
  const weights = p.weights || {};
  for (const [key, label, max] of FACTORS) {
    const v = weights[key] || 0;
    const lab = el("label", "", label);
    lab.appendChild(el("small", "", key));
    lab.htmlFor = "w-" + key;
    const range = el("input");
    Object.assign(range, {type: "range", min: "0", max: String(Math.max(max, v)), step: "0.01", value: String(v), id: "w-" + key});
    range.dataset.factor = key;
    const num = el("input");
    Object.assign(num, {type: "number", min: "-10", max: "10", step: "0.01", value: String(v)});
    num.dataset.factor = key;
    num.setAttribute("aria-label", label);
    const sync = (from, to) => {
      to.value = from.value;
      const changed = Number(from.value) !== (weights[key] || 0);
      num.classList.toggle("changed", changed);
      draftChanged();
    };
    range.addEventListener("input", () => sync(range, num));
    num.addEventListener("input", () => { if (Number(num.value) > Number(range.max)) range.max = num.value; sync(num, range); });
    add(box, lab, range, num);
  }
  $("oos").value = p.out_of_stock || "last";
  $("halflife").value = String(p.new_half_life_days || 30);
}

export function draftProfile() {
  const weights = {};
  document.querySelectorAll("#sliders input[type=number]").forEach(n => {
    const v = Number(n.value);
    if (v) weights[n.dataset.factor] = v;
  });
  const c = W.current || {};
  const p = {name: W.name, weights, out_of_stock: $("oos").value, new_half_life_days: Number($("halflife").value) || 30};
  if (c.brand_boost) p.brand_boost = c.brand_boost;
  if (c.category_boost) p.category_boost = c.category_boost;
  return p;
}

// previewBase says how the preview's "current" side selects the profile
// being edited: the device mapped to it, if any.
export function previewBase() {
  if (W.name === "default") return {};
  for (const [dev, prof] of Object.entries(W.sel.device || {})) if (prof === W.name) return {device: dev};
  return {};
}

export const autoPreview = debounce(() => { if ($("pq").value.trim()) previewQuery().catch(fail); }, 300);
export function draftChanged() { autoPreview(); }
$("oos").addEventListener("change", draftChanged);
$("halflife").addEventListener("input", draftChanged);

export async function previewQuery() {
  const q = $("pq").value.trim();
  if (!q) { say("请输入要预览的查询词", true); return; }
  const r = await api("POST", "/api/admin/preview", Object.assign({query: q, profile: draftProfile(), n: 10}, previewBase()));
  $("toppreview").textContent = "";
  renderCompare($("preview"), r.queries[0] || {items: []}, r.current, r.draft);
}

export async function previewTop() {
  const r = await api("POST", "/api/admin/preview", Object.assign({top: 10, profile: draftProfile(), n: 10}, previewBase()));
  const box = $("toppreview");
  box.textContent = "";
  $("preview").textContent = "";
  if (!r.queries.length) { box.appendChild(el("p", "muted", "还没有搜索记录：先在商城里搜几次")); return; }
  const t = el("table", "tbl");
  t.id = "toptable";
  add(t, add(el("tr"), el("th", "", "查询"), el("th", "", "上升"), el("th", "", "下降"), el("th", "", "不变"), el("th", "", "新进"), el("th", "", "移出")));
  for (const qp of r.queries) {
    const s = qp.summary || {};
    const tr = add(el("tr", "pick"), el("td", "", qp.query), el("td", "up", s.up), el("td", "down", s.down), el("td", "same", s.same), el("td", "new", s.new), el("td", "dropped", s.dropped));
    tr.addEventListener("click", () => {
      t.querySelectorAll("tr").forEach(x => x.classList.toggle("cur", x === tr));
      renderCompare($("preview"), qp, r.current, r.draft);
    });
    t.appendChild(tr);
  }
  box.appendChild(t);
}

export async function publish() {
  const who = author();
  if (!who) { say("请填写操作人", true); $("author").focus(); return; }
  localStorage.setItem("ss_admin_author", who);
  const body = Object.assign(draftProfile(), {author: who, note: $("note").value.trim()});
  const saved = await api("PUT", "/api/admin/profiles/" + encodeURIComponent(W.name), body);
  $("note").value = "";
  say("已发布 " + saved.name + " v" + saved.version);
  await loadProfile(W.name);
  if ($("pq").value.trim()) await previewQuery();
}

export async function createProfile() {
  const name = $("newname").value.trim();
  const who = author();
  if (!name || !who) { say("请填写新方案名和操作人", true); return; }
  const body = Object.assign(draftProfile(), {name, author: who, note: "由 " + W.name + " 的草稿新建"});
  await api("PUT", "/api/admin/profiles/" + encodeURIComponent(name), body);
  W.name = name;
  $("newname").value = "";
  say("已新建方案 " + name);
  await initWeights();
}

export function renderHistory() {
  const t = $("history");
  t.textContent = "";
  add(t, add(el("tr"), el("th", "", "版本"), el("th", "", "时间"), el("th", "", "操作人 / 说明"), el("th", "")));
  const cur = W.current ? W.current.version : -1;
  for (const p of W.history.slice().reverse()) {
    const tr = el("tr", p.version === cur ? "cur" : "");
    tr.dataset.version = String(p.version);
    const who = el("td", "", (p.author || "内置") + (p.note ? " · " + p.note : ""));
    who.title = Object.entries(p.weights || {}).map(([k, v]) => (FACTOR_LABEL[k] || k) + "=" + v).join(" ");
    const act = el("td");
    if (p.version !== cur) {
      const b = el("button", "", "回滚");
      b.type = "button";
      b.addEventListener("click", () => rollback(p.version).catch(fail));
      act.appendChild(b);
    } else {
      act.appendChild(el("span", "muted", "当前"));
    }
    add(tr, el("td", "", "v" + p.version), el("td", "", fmtTime(p.updated_at)), who, act);
    t.appendChild(tr);
  }
}

export async function rollback(version) {
  const who = author();
  if (!who) { say("请填写操作人", true); $("author").focus(); return; }
  if (!confirm("把 " + W.name + " 回滚到 v" + version + "？（会生成一个新版本）")) return;
  const saved = await api("POST", "/api/admin/profiles/" + encodeURIComponent(W.name) + "/rollback", {version, author: who});
  say("已回滚：" + saved.name + " v" + saved.version + "（内容同 v" + version + "）");
  await loadProfile(W.name);
}

$("profile").addEventListener("change", () => loadProfile($("profile").value).catch(fail));
$("reset").addEventListener("click", () => { if (W.current) { renderSliders(W.current); draftChanged(); } });
$("previewbtn").addEventListener("click", () => previewQuery().catch(fail));
$("pq").addEventListener("keydown", ev => { if (ev.key === "Enter") previewQuery().catch(fail); });
$("previewtop").addEventListener("click", () => previewTop().catch(fail));
$("publish").addEventListener("click", () => publish().catch(fail));
$("newprofile").addEventListener("click", () => createProfile().catch(fail));
