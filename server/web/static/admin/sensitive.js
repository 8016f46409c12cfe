// Sensitive categories: the classes of products the recommendation slots
// leave out (GET/PUT /api/admin/sensitive), and what each catches in the
// catalog (GET /api/admin/sensitive/matches).

import {$, el, add, fmtTime, lines, say, api, fail} from "./util.js";

const SCENES = [["home", "猜你喜欢"], ["detail", "看了又看（本类商品页除外）"], ["cart", "购物车"], ["order_complete", "下单后"], ["zero_result", "无结果"]];
const LISTS = [["category_prefixes", "类目前缀"], ["leaf_keywords", "末级类目关键词"], ["title_keywords", "标题关键词"], ["title_patterns", "标题正则"]];
const S = {doc: null};

function classRow(c) {
  const tr = el("tr");
  tr.dataset.name = c.name;
  const on = el("input");
  on.type = "checkbox";
  on.checked = !!c.enabled;
  on.dataset.k = "enabled";
  on.setAttribute("aria-label", "启用 " + (c.label || c.name));
  const head = add(el("td"), add(el("label"), on, " ", el("b", "", c.label || c.name)), el("div", "muted", c.name));
  const regions = el("input");
  regions.value = (c.regions || []).join(" ");
  regions.placeholder = "全部地区";
  regions.dataset.k = "regions";
  regions.setAttribute("aria-label", "适用地区");
  add(head, add(el("label", "muted", "地区 "), regions));
  const samples = el("div", "samples");
  samples.dataset.k = "samples";
  head.appendChild(samples);
  tr.appendChild(head);
  for (const [k, label] of LISTS) {
    const ta = el("textarea");
    ta.rows = 3;
    ta.spellcheck = false;
    ta.dataset.k = k;
    ta.value = (c[k] || []).join("\n");
    ta.setAttribute("aria-label", label);
    tr.appendChild(add(el("td"), el("small", "cap muted", label), ta));
  }
  return tr;
}

export async function loadSensitive() {
  const doc = await api("GET", "/api/admin/sensitive");
  S.doc = doc;
  const p = doc.policy || {classes: [], scenes: []};
  $("sninfo").textContent = doc.version ? "v" + doc.version + " · " + fmtTime(doc.saved) + (doc.author ? " · " + doc.author : "") : "默认名单（未保存过）";
  const sc = $("snscenes");
  sc.textContent = "";
  for (const [k, label] of SCENES) {
    const cb = el("input");
    cb.type = "checkbox";
    cb.value = k;
    cb.checked = (p.scenes || []).includes(k);
    sc.appendChild(add(el("label"), cb, " " + label));
  }
  const t = $("snclasses");
  t.textContent = "";
  const hd = el("tr");
  add(hd, el("th", "", "类别"), ...LISTS.map(([, label]) => el("th", "", label)));
  t.appendChild(hd);
  for (const c of p.classes || []) t.appendChild(classRow(c));
  loadMatches().catch(fail);
}

async function loadMatches() {
  const m = await api("GET", "/api/admin/sensitive/matches");
  for (const x of m.classes || []) {
    const tr = $("snclasses").querySelector("tr[data-name='" + CSS.escape(x.class) + "']");
    if (!tr) continue;
    const box = tr.querySelector("[data-k=samples]");
    box.textContent = "命中 " + x.count + " 件" + (x.items.length ? "：" + x.items.map(i => i.title.slice(0, 16)).join("；") : "");
    box.dataset.count = String(x.count);
  }
}

export async function saveSensitive() {
  const classes = [];
  const old = (S.doc && S.doc.policy && S.doc.policy.classes) || [];
  $("snclasses").querySelectorAll("tr[data-name]").forEach(tr => {
    const base = old.find(c => c.name === tr.dataset.name) || {name: tr.dataset.name};
    const c = {name: base.name, label: base.label || "", enabled: tr.querySelector("[data-k=enabled]").checked};
    const regions = tr.querySelector("[data-k=regions]").value.split(/[\s,，、]+/).filter(Boolean);
    if (regions.length) c.regions = regions;
    for (const [k] of LISTS) { const v = lines(tr.querySelector("[data-k=" + k + "]").value); if (v.length) c[k] = v; }
    classes.push(c);
  });
  const scenes = Array.from($("snscenes").querySelectorAll("input:checked"), x => x.value);
  const body = {policy: {classes, scenes}, author: $("snauthor").value.trim(), note: $("snnote").value.trim(), version: S.doc ? S.doc.version : undefined};
  const saved = await api("PUT", "/api/admin/sensitive", body);
  say("已保存敏感类目 v" + saved.version);
  await loadSensitive();
}
$("snsave").addEventListener("click", () => saveSensitive().catch(fail));
$("snadd").addEventListener("click", () => {
  const name = $("snnew").value.trim();
  if (!name) { say("请填写新类别 ID", true); return; }
  if ($("snclasses").querySelector("tr[data-name='" + CSS.escape(name) + "']")) { say("类别 " + name + " 已存在", true); return; }
  $("snclasses").appendChild(classRow({name, label: name, enabled: true}));
  $("snnew").value = "";
});
$("snreset").addEventListener("click", () => loadSensitive().catch(fail));
