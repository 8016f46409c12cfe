// Device profiles and the A/B test's arms.

import {$, el, add, fmtTime, author, say, api, fail} from "./util.js";
import {W} from "./weights.js";

export const AB = {sel: null, profiles: []};
export function profileSelect(value, blank) {
  const s = el("select");
  const o = el("option", "", blank);
  o.value = "";
  s.appendChild(o);
  for (const n of AB.profiles) { const x = el("option", "", n); x.value = n; s.appendChild(x); }
  s.value = value || "";
  return s;
}
export function armRow(a) {
  const tr = el("tr");
  const name = el("input"); name.value = a.name || ""; name.dataset.k = "name";
  const prof = profileSelect(a.profile, "（设备方案）"); prof.dataset.k = "profile";
  const w = el("input"); Object.assign(w, {type: "number", min: "1", max: "10000", value: String(a.weight || 1)}); w.dataset.k = "weight";
  const rm = el("button", "danger", "删除"); rm.type = "button";
  rm.addEventListener("click", () => tr.remove());
  add(tr, add(el("td"), name), add(el("td"), prof), add(el("td"), w), add(el("td"), rm));
  return tr;
}
export async function loadAB() {
  const [sel, list] = await Promise.all([api("GET", "/api/admin/selection"), api("GET", "/api/admin/profiles")]);
  AB.sel = sel;
  AB.profiles = (list.profiles || []).map(p => p.name);
  const dm = $("devmap");
  dm.textContent = "";
  for (const [dev, label] of [["mobile", "手机"], ["pc", "电脑"]]) {
    const s = profileSelect((sel.device || {})[dev], "default");
    s.dataset.dev = dev;
    add(dm, add(el("label", "", label + " "), s));
  }
  const ab = sel.ab || {name: "", arms: [{name: "control", weight: 50}, {name: "test", weight: 50}]};
  $("abon").checked = !!sel.ab;
  $("abname").value = ab.name;
  const t = $("arms");
  t.textContent = "";
  add(t, add(el("tr"), el("th", "", "分组"), el("th", "", "方案"), el("th", "", "权重"), el("th")));
  for (const a of ab.arms) t.appendChild(armRow(a));
  $("abauthor").value = localStorage.getItem("ss_admin_author") || "";
  $("abinfo").textContent = sel.updated_at ? "上次修改 " + fmtTime(sel.updated_at) + (sel.author ? " · " + sel.author : "") : "";
}
export async function saveAB() {
  const device = {};
  $("devmap").querySelectorAll("select").forEach(s => { if (s.value) device[s.dataset.dev] = s.value; });
  // Slot rules (recommendation profiles by scene, region and time) are
  // edited through the API; keep them.
  const body = {device, author: $("abauthor").value.trim(), slots: (AB.sel && AB.sel.slots) || undefined};
  if (!body.author) { say("请填写操作人", true); return; }
  if ($("abon").checked) {
    const arms = [];
    $("arms").querySelectorAll("tr").forEach(tr => {
      const get = k => tr.querySelector("[data-k=" + k + "]");
      if (!get("name")) return;
      const a = {name: get("name").value.trim(), weight: Number(get("weight").value) || 0};
      if (get("profile").value) a.profile = get("profile").value;
      arms.push(a);
    });
    body.ab = {name: $("abname").value.trim(), arms};
  }
  W.sel = await api("PUT", "/api/admin/selection", body);
  say("已保存设备方案与 A/B 实验");
  await loadAB();
}
$("addarm").addEventListener("click", () => $("arms").appendChild(armRow({name: "arm" + $("arms").querySelectorAll("tr").length, weight: 10})));
$("absave").addEventListener("click", () => saveAB().catch(fail));
