// The explain panel: why each result ranks where it does.

import {$, FACTORS, el, add, round, api, fail} from "./util.js";
import {hbars} from "./charts.js";

export async function explain() {
  const q = $("xq").value.trim();
  const p = new URLSearchParams({q, explain: "true", size: "20"});
  if ($("xdevice").value) p.set("device", $("xdevice").value);
  if ($("xuser").value.trim()) p.set("user", $("xuser").value.trim());
  const r = await api("GET", "/api/search?" + p);
  $("xinfo").textContent = "共 " + r.total + " 件 · 方案 " + r.profile + " v" + r.profile_version + (r.arm ? " · 分组 " + r.arm : "") + " · " + r.took_ms + " ms";
  const ol = $("xlist");
  ol.textContent = "";
  $("xpanel").textContent = "";
  (r.items || []).forEach((it, i) => {
    const li = el("li", "", it.title);
    li.dataset.id = it.id;
    li.appendChild(el("small", "", round(it.score, 4)));
    li.addEventListener("click", () => {
      ol.querySelectorAll("li").forEach(x => x.classList.toggle("on", x === li));
      explainPanel(it, i + 1);
    });
    ol.appendChild(li);
  });
  if (r.items && r.items.length) ol.firstChild.click();
}
// A click on an item of a preview opens its explanation.
addEventListener("explain-item", ev => {
  const {q, id} = ev.detail;
  $("xq").value = q || "";
  location.hash = "#explain";
  explain().then(() => {
    const li = $("xlist").querySelector("li[data-id='" + CSS.escape(id) + "']");
    if (li) { li.click(); li.scrollIntoView({block: "nearest"}); }
    else $("xinfo").textContent += " · " + id + " 不在前 20 位（草稿中的位置需要发布后才生效）";
  }).catch(fail);
});
export function explainPanel(it, pos) {
  const box = $("xpanel");
  box.textContent = "";
  const x = it.explain || {};
  add(box, el("h3", "", "第 " + pos + " 位：" + it.title), el("p", "muted", it.id + " · " + (it.brand || "") + " · " + (it.category || "") + " · ¥" + (it.promo_price || it.price)));
  const kv = "总分 " + round(x.score, 4) + " · BM25 " + round(x.text_score, 3) + " · 匹配层级 " + (x.tier === 0 ? "全部词命中" : "部分命中 " + x.tier) +
    (x.out_of_stock ? " · 缺货" : "") + (x.rules && x.rules.length ? " · 规则 " + x.rules.join(", ") : "");
  box.appendChild(el("p", "", kv));
  const rows = FACTORS.map(([k, label]) => ({label: label + " " + k, value: (x.contributions || {})[k] || 0,
    text: "值 " + round((x.factors || {})[k], 3) + " → 贡献 " + round((x.contributions || {})[k], 4)}));
  box.appendChild(hbars(rows, ""));
}
$("xbtn").addEventListener("click", () => explain().catch(fail));
$("xq").addEventListener("keydown", ev => { if (ev.key === "Enter") explain().catch(fail); });
