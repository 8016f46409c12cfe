// The search box's merchandising: hint, hot pins, allow and deny lists.

import {$, fmtTime, lines, say, api, fail} from "./util.js";

export async function loadSuggest() {
  const [m, hot] = await Promise.all([api("GET", "/api/admin/suggest/config"), fetch("/api/hot").then(r => r.ok ? r.json() : {hot: []}).catch(() => ({hot: []}))]);
  $("sghint").value = m.hint || "";
  $("sghotpins").value = (m.hot_pins || []).join("\n");
  $("sgallow").value = (m.allow || []).join("\n");
  $("sgdeny").value = (m.deny || []).join("\n");
  $("sgdenyc").value = (m.deny_contains || []).join("\n");
  $("sgpins").value = (m.pins || []).map(p => p.input + "=" + p.text).join("\n");
  $("sghot").value = (hot.hot || []).join("、");
  $("sginfo").textContent = m.version ? "v" + m.version + " · " + fmtTime(m.updated_at) : "";
}
export async function saveSuggest() {
  const pins = [];
  for (const l of lines($("sgpins").value)) {
    const i = l.indexOf("=");
    if (i <= 0) { say("联想置顶的每行应为 输入=联想词：" + l, true); return; }
    pins.push({input: l.slice(0, i).trim(), text: l.slice(i + 1).trim()});
  }
  const body = {hint: $("sghint").value.trim(), hot_pins: lines($("sghotpins").value), allow: lines($("sgallow").value),
    deny: lines($("sgdeny").value), deny_contains: lines($("sgdenyc").value), pins};
  const saved = await api("PUT", "/api/admin/suggest/config", body);
  say("已保存搜索框配置 v" + saved.version);
  await loadSuggest();
}
$("sgsave").addEventListener("click", () => saveSuggest().catch(fail));
$("sgrebuild").addEventListener("click", () => api("POST", "/api/admin/suggest/rebuild").then(st => {
  say("联想索引已重建" + (st && st.candidates !== undefined ? "：" + st.candidates + " 个候选" : ""));
  return loadSuggest();
}).catch(fail));
