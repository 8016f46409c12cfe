// Dashboards: top and zero-result queries, slot CTR/CVR, event intake (the
// last two as the server's Prometheus registry counts them).

import {$, Unauthorized, api, fail} from "./util.js";
import {chart} from "./charts.js";

const SCENE = {home: "猜你喜欢", detail: "看了又看", cart: "买了还买", order_complete: "下单后", zero_result: "无结果", search: "搜索"};
const SLOT = {results: "结果", home_fallback: "兜底", detail_fallback: "兜底"};

export async function loadDash() {
  const q = await api("GET", "/api/admin/stats/queries?n=15");
  chart("chtop", (q.top || []).map(x => ({label: x.query, value: x.count, text: x.count + " 次"})), "", "暂无数据：还没有人搜索");
  chart("chzero", (q.zero || []).map(x => ({label: x.query, value: x.count, text: x.count + " 次"})), "zero", "暂无无结果搜索");
  const o = q.searches || {};
  const all = (o.results || 0) + (o.relaxed || 0) + (o.corrected || 0) + (o.zero || 0);
  $("zerorate").textContent = all ? "无结果率 " + ((o.zero || 0) / all * 100).toFixed(1) + "%（" + (o.zero || 0) + "/" + all + "）" : "";
  let slots = null;
  try { slots = await api("GET", "/api/admin/stats/slots"); } catch (e) { if (e instanceof Unauthorized) throw e; }
  const rows = [];
  for (const s of (slots && slots.slots) || []) {
    // Short, distinct names: the scene's Chinese name, the slot only when
    // it differs, the measure first (a cut label keeps it).
    const name = (SCENE[s.scene] || s.scene) + (s.slot && s.slot !== s.scene ? "/" + (SLOT[s.slot] || s.slot) : "");
    const ctr = s.ctr !== undefined ? s.ctr : s.impressions ? s.clicks / s.impressions : 0;
    const cvr = s.cvr !== undefined ? s.cvr : s.clicks ? s.purchases / s.clicks : 0;
    rows.push({label: "点击率 " + name, value: ctr, text: (ctr * 100).toFixed(2) + "%（" + (s.clicks || 0) + "/" + (s.impressions || 0) + "）", cls: ""});
    rows.push({label: "转化率 " + name, value: cvr, text: (cvr * 100).toFixed(2) + "%（" + (s.purchases || 0) + "/" + (s.clicks || 0) + "）", cls: "cvr"});
  }
  chart("chslots", rows, "", "暂无数据：推荐位的曝光、点击与购买统计上线后显示");
  let ev = null;
  try { ev = await api("GET", "/api/admin/events/stats"); } catch (e) { if (e instanceof Unauthorized) throw e; }
  const evRows = ev ? [["received", "收到"], ["accepted", "接受"], ["counted", "计入统计"], ["rejected", "格式不合格"],
    ["dropped_repeat", "重复（防刷）"], ["dropped_cap", "超日上限（防刷）"], ["dropped_unseen", "未曝光的点击"],
    ["dropped_untrusted", "匿名购买（不计销量）"], ["duplicates", "重复事件 ID"],
    ["buffered", "缓冲中"], ["replayed", "缓冲重放"], ["buffer_refused", "缓冲已满拒收"]]
    .filter(([k]) => typeof ev[k] === "number").map(([k, label]) => ({label, value: ev[k], text: String(ev[k]),
      cls: k.startsWith("dropped") || k === "rejected" || k === "buffer_refused" ? "zero" : ""})) : [];
  chart("chevents", evRows, "", "暂无数据：行为事件接口（POST /api/events）未启用");
  $("evstate").textContent = ev ? (ev.degraded ? "存储不可达，事件写入本地缓冲" : "正常") : "";
}
$("dashreload").addEventListener("click", () => loadDash().catch(fail));
