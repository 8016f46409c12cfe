// Inline SVG bar charts.

import {$, el} from "./util.js";

export const SVG = "http://www.w3.org/2000/svg";
export function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}
// hbars draws one horizontal bar per row: label, bar scaled to the largest
// value, and the row's text.
export function hbars(rows, cls) {
  const W0 = 640, rowH = 24, labelW = 170, textW = 150;
  const svg = svgEl("svg", {viewBox: "0 0 " + W0 + " " + (rows.length * rowH + 4), role: "img"});
  const maxV = Math.max(...rows.map(r => Math.abs(r.value)), 1e-9);
  rows.forEach((r, i) => {
    const y = i * rowH + 2;
    const w = Math.max(1, (W0 - labelW - textW) * Math.abs(r.value) / maxV);
    // A long label keeps its start and its end ("点击率 看了又看…/结果"):
    // rows that differ only at the end stay distinct.
    const label = r.label.length > 14 ? r.label.slice(0, 8) + "…" + r.label.slice(-5) : r.label;
    svg.appendChild(svgEl("text", {x: labelW - 6, y: y + 16, "text-anchor": "end", class: "lbl"}, label));
    const bar = svgEl("rect", {x: labelW, y: y + 4, width: w, height: rowH - 8, rx: 2, class: "bar " + (r.cls || cls || "") + (r.value < 0 ? " zero" : "")});
    bar.appendChild(svgEl("title", {}, r.label + "：" + r.text));
    svg.appendChild(bar);
    svg.appendChild(svgEl("text", {x: labelW + w + 6, y: y + 16, class: "val"}, r.text));
  });
  return svg;
}
export function chart(id, rows, cls, none) {
  const box = $(id);
  box.textContent = "";
  if (!rows.length) { box.appendChild(el("div", "none", none)); return; }
  box.appendChild(hbars(rows, cls));
}
