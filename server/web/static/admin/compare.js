// The side-by-side preview: current vs draft top N with position changes.

import {el, add} from "./util.js";

export const MOVE = {up: c => "↑" + c, down: c => "↓" + -c, same: () => "–", new: () => "新", dropped: () => "移出"};
export function renderCompare(box, qp, current, draft) {
  box.textContent = "";
  const items = qp.items || [];
  const col = (title, side) => {
    const d = el("div");
    d.dataset.side = side;
    add(d, el("h3", "", title));
    const ol = el("ol");
    items.filter(m => m[side] > 0).sort((a, b) => a[side] - b[side]).forEach(m => {
      const li = el("li");
      li.dataset.id = m.id;
      li.dataset.move = m.movement;
      li.title = "点击查看排序解释";
      // explain.js opens the explain panel for this query and item.
      li.addEventListener("click", () => dispatchEvent(new CustomEvent("explain-item", {detail: {q: qp.query, id: m.id}})));
      const mv = side === "draft" ? el("span", "mv " + m.movement, MOVE[m.movement] ? MOVE[m.movement](m.change || 0) : "")
        : el("span", "mv " + (m.draft ? "" : "dropped"), m.draft ? "" : "移出");
      const t = el("span", "t", m.title || m.id);
      t.title = m.id + " " + (m.title || "");
      add(li, el("span", "pos", m[side]), t, mv);
      ol.appendChild(li);
    });
    if (!ol.children.length) ol.appendChild(el("li", "muted", "无结果"));
    d.appendChild(ol);
    return d;
  };
  const s = qp.summary || {};
  add(box,
    col("当前 " + rankerName(current) + " · " + qp.current_total + " 件", "current"),
    col("草稿" + (draft && draft.profile ? " " + draft.profile : "") + " · " + qp.draft_total + " 件（↑" + (s.up || 0) + " ↓" + (s.down || 0) + " 新" + (s.new || 0) + " 移出" + (s.dropped || 0) + "）", "draft"));
}
export function rankerName(r) { return r ? (r.profile || "") + (r.profile_version !== undefined ? " v" + r.profile_version : "") + (r.arm ? " [" + r.arm + "]" : "") : ""; }
