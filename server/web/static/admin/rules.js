// Merchandiser rules: list, edit with validity windows, preview, save.

import {$, ACTION_LABEL, el, add, fmtTime, author, say, api, fail} from "./util.js";
import {renderCompare} from "./compare.js";

export let editing = "";
export function toLocal(t) {
  if (!t || t.startsWith("0001")) return "";
  const d = new Date(t);
  if (isNaN(d)) return "";
  const pad = n => String(n).padStart(2, "0");
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
}
export function ruleFromForm() {
  const f = $("ruleform").elements;
  const r = {action: f.action.value, author: f.author.value.trim(), note: f.note.value.trim()};
  if (editing) r.id = editing;
  if (f.scope.value === "query") { r.query = f.query.value.trim(); r.match = f.match.value; } else r.category = f.category.value.trim();
  if (r.action === "boost") {
    if (f.brand.value.trim()) r.brand = f.brand.value.trim();
    if (f.cat_path.value.trim()) r.cat_path = f.cat_path.value.trim();
    r.weight = Number(f.weight.value);
  } else {
    r.item_id = f.item_id.value.trim();
    if (r.action === "pin") r.position = Number(f.position.value) || 1;
  }
  if (f.start.value) r.start = new Date(f.start.value).toISOString();
  if (f.end.value) r.end = new Date(f.end.value).toISOString();
  return r;
}
export function fillRuleForm(r) {
  const f = $("ruleform").elements;
  editing = r ? r.id : "";
  r = r || {};
  f.scope.value = r.category ? "category" : "query";
  f.query.value = r.query || "";
  f.match.value = r.match || "exact";
  f.category.value = r.category || "";
  f.action.value = r.action || "pin";
  f.item_id.value = r.item_id || "";
  f.position.value = String(r.position || 1);
  f.brand.value = r.brand || "";
  f.cat_path.value = r.cat_path || "";
  f.weight.value = String(r.weight || 0.5);
  f.start.value = toLocal(r.start);
  f.end.value = toLocal(r.end);
  f.author.value = r.author || localStorage.getItem("ss_admin_author") || "";
  f.note.value = r.note || "";
  $("ruletitle").textContent = editing ? "编辑规则 " + editing : "新建规则";
  ruleFields();
}
export function ruleFields() {
  const f = $("ruleform").elements;
  $("ruleform").querySelectorAll("[data-for]").forEach(l => { l.hidden = l.dataset.for !== f.scope.value; });
  $("ruleform").querySelectorAll("[data-act]").forEach(l => { l.hidden = !l.dataset.act.split(" ").includes(f.action.value); });
}
export function ruleWindow(r) {
  const s = fmtTime(r.start), e = fmtTime(r.end);
  if (!s && !e) return "长期";
  const now = Date.now();
  const state = r.end && new Date(r.end) <= now ? "（已过期）" : r.start && new Date(r.start) > now ? "（未生效）" : "";
  return (s || "…") + " 至 " + (e || "…") + state;
}

export async function loadRules() {
  const r = await api("GET", "/api/admin/rules");
  const t = $("rules");
  t.textContent = "";
  add(t, add(el("tr"), el("th", "", "ID"), el("th", "", "适用"), el("th", "", "动作"), el("th", "", "目标"), el("th", "", "有效期"), el("th", "", "操作人"), el("th", "")));
  const rules = r.rules || [];
  if (!rules.length) { const tr = el("tr"); const td = el("td", "muted", "还没有规则"); td.colSpan = 7; tr.appendChild(td); t.appendChild(tr); }
  for (const x of rules) {
    const scope = x.query ? "搜索 “" + x.query + "”" + (x.match === "contains" ? " 包含" : "") : "类目 " + x.category;
    const target = x.action === "boost" ? (x.brand || x.cat_path) + " " + (x.weight > 0 ? "+" : "") + x.weight : x.item_id + (x.action === "pin" ? " → 第" + x.position + "位" : "");
    const tr = el("tr");
    tr.dataset.id = x.id;
    const acts = el("td");
    const ed = el("button", "", "编辑"), del = el("button", "danger", "删除");
    ed.type = del.type = "button";
    ed.addEventListener("click", () => fillRuleForm(x));
    del.addEventListener("click", () => {
      if (!confirm("删除规则 " + x.id + "？")) return;
      api("DELETE", "/api/admin/rules/" + encodeURIComponent(x.id)).then(() => { say("已删除 " + x.id); return loadRules(); }).catch(fail);
    });
    add(acts, ed, del);
    add(tr, el("td", "", x.id), el("td", "", scope), el("td", "", ACTION_LABEL[x.action] || x.action), el("td", "", target),
      el("td", "", ruleWindow(x)), el("td", "", (x.author || "") + (x.note ? " · " + x.note : "")), acts);
    t.appendChild(tr);
  }
}
export async function previewRule() {
  const r = ruleFromForm();
  const body = {rules: [r], n: 10};
  if (r.query) body.query = r.query; else { body.query = ""; body.filters = {category: r.category}; }
  const res = await api("POST", "/api/admin/preview", body);
  renderCompare($("rulecompare"), res.queries[0] || {items: []}, res.current, res.draft);
}
export async function saveRule(ev) {
  ev.preventDefault();
  const r = ruleFromForm();
  if (!r.author) { say("请填写操作人", true); return; }
  localStorage.setItem("ss_admin_author", r.author);
  const saved = editing ? await api("PUT", "/api/admin/rules/" + encodeURIComponent(editing), r) : await api("POST", "/api/admin/rules", r);
  say("已保存规则 " + saved.id);
  fillRuleForm(null);
  await loadRules();
}
$("ruleform").addEventListener("change", ruleFields);
$("ruleform").addEventListener("submit", ev => saveRule(ev).catch(fail));
$("rulepreview").addEventListener("click", () => previewRule().catch(fail));
$("rulenew").addEventListener("click", () => fillRuleForm(null));
fillRuleForm(null);
