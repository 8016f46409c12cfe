// The results page: sort tabs, facets, notices, grid, pager, zero results.

import {SORTS, PAGE_SIZE, el, add, yuanBound, rid, getJSON} from "./util.js";
import {track, hot} from "./state.js";
import {go, stateParams, apiParams} from "./nav.js";
import {grid, slot, hotChips} from "./cards.js";

export function sortTabs(s) {
  const nav = el("nav", "tabs");
  nav.id = "sorts";
  for (const [key, label] of SORTS) {
    const on = key === "price" ? s.sort.startsWith("price_") : s.sort === key;
    let text = label;
    let next = key;
    if (key === "price") {
      next = s.sort === "price_asc" ? "price_desc" : "price_asc";
      text = label + (s.sort === "price_asc" ? " ↑" : s.sort === "price_desc" ? " ↓" : " ↕");
    }
    const a = el("a", on ? "on" : "", text);
    a.href = "#/search?" + stateParams(Object.assign({}, s, {sort: next, page: 1}));
    a.dataset.sort = key;
    nav.appendChild(a);
  }
  return nav;
}

export function facetRow(label, name, chips) {
  if (!chips.length) return null;
  const row = el("div", "frow");
  row.dataset.facet = name;
  const c = el("div", "chips");
  for (const ch of chips) {
    const a = el("a", "chip" + (ch.on ? " on" : ""), ch.text);
    if (ch.count !== undefined) a.appendChild(el("small", "", String(ch.count)));
    a.href = "#/search?" + stateParams(ch.state);
    a.dataset.value = ch.value;
    c.appendChild(a);
  }
  add(row, el("b", "", label), c);
  return row;
}

export function filters(s, facets) {
  const box = el("div", "filters");
  const with_ = over => Object.assign({}, s, {page: 1}, over);
  const brands = (facets.brand || []).slice(0, 12).map(b => {
    const on = s.brand.includes(b.value);
    return {text: b.value, value: b.value, count: b.count, on,
      state: with_({brand: on ? s.brand.filter(x => x !== b.value) : s.brand.concat(b.value)})};
  });
  for (const b of s.brand) if (!brands.some(x => x.value === b)) brands.unshift({text: b, value: b, on: true, state: with_({brand: s.brand.filter(x => x !== b)})});
  const cats = (facets.category || []).slice(0, 10).map(c => ({text: c.value, value: c.value, count: c.count,
    on: s.category === c.value, state: with_({category: s.category === c.value ? "" : c.value})}));
  if (s.category && !cats.some(c => c.on)) cats.unshift({text: s.category, value: s.category, on: true, state: with_({category: ""})});
  // A band from 0 with no upper bound is every price: no chip for it, and
  // a chip is on only when a price filter is set.
  const bands = (facets.price || []).filter(b => b.count > 0 && (b.from > 0 || b.to > 0)).map(b => {
    const from = String(b.from || 0), to = b.to ? String(b.to) : "";
    const on = (s.pmin !== "" || s.pmax !== "") && s.pmin === (from === "0" ? "" : from) && s.pmax === to;
    const label = to ? "¥" + yuanBound(b.from) + "-" + yuanBound(b.to) : "¥" + yuanBound(b.from) + "以上";
    return {text: label, value: from + "-" + to, count: b.count, on,
      state: with_(on ? {pmin: "", pmax: ""} : {pmin: from === "0" ? "" : from, pmax: to})};
  });
  if ((s.pmin || s.pmax) && !bands.some(b => b.on)) bands.unshift({text: "¥" + (s.pmin || 0) + "-" + (s.pmax || "∞"), value: "custom", on: true, state: with_({pmin: "", pmax: ""})});
  const more = [
    {text: "仅看有货", value: "in_stock", on: s.stock, state: with_({stock: !s.stock})},
    {text: "自营", value: "self", on: s.platform === "self", state: with_({platform: s.platform === "self" ? "" : "self"})},
    {text: "POP", value: "pop", on: s.platform === "pop", state: with_({platform: s.platform === "pop" ? "" : "pop"})},
  ];
  add(box, facetRow("品牌", "brand", brands), facetRow("类目", "category", cats), facetRow("价格", "price", bands), facetRow("筛选", "more", more));
  return box;
}

// markScrollable marks each facet row whose chips scroll further to the
// right (phone width), and unmarks it once scrolled to the end.
export function markScrollable(view) {
  for (const c of view.querySelectorAll(".frow .chips")) {
    const mark = () => c.parentElement.classList.toggle("more", c.scrollLeft + c.clientWidth < c.scrollWidth - 2);
    c.addEventListener("scroll", mark, {passive: true});
    requestAnimationFrame(mark);
  }
}

export function pager(s, total) {
  const pages = Math.min(Math.ceil(total / PAGE_SIZE), Math.floor(10000 / PAGE_SIZE));
  const nav = el("nav", "pager");
  nav.id = "pager";
  if (pages <= 1) return nav;
  const link = (n, text, cls) => {
    if (n < 1 || n > pages) return el("span", "dis", text);
    const a = el("a", cls || "", text);
    a.href = "#/search?" + stateParams(Object.assign({}, s, {page: n}));
    a.dataset.page = String(n);
    return a;
  };
  nav.appendChild(link(s.page - 1, "上一页"));
  const lo = Math.max(1, Math.min(s.page - 2, pages - 4)), hi = Math.min(pages, lo + 4);
  for (let n = lo; n <= hi; n++) nav.appendChild(link(n, String(n), n === s.page ? "on" : ""));
  nav.appendChild(link(s.page + 1, "下一页"));
  return nav;
}

export function renderSearch(view, s, fresh) {
  if (!s.q && !s.category) { go("/"); return; }
  document.title = (s.q || s.category) + " - 易搜商城";
  view.appendChild(el("p", "meta", "搜索中…"));
  getJSON("/api/search?" + apiParams(s)).then(r => {
    if (!fresh()) return;
    view.textContent = "";
    const imp = "s-" + rid();
    // The search as the shopper typed it. A corrected input found nothing
    // by itself (results 0: no hot search), and its correction, which
    // nobody typed, is not reported.
    const fix = r.correction && typeof r.correction.to === "string" ? r.correction : null;
    if (s.q && s.page === 1) track("search", {query: s.q, results: fix ? 0 : r.total, impression_id: imp});
    add(view, sortTabs(s), filters(s, r.facets || {}));
    markScrollable(view);
    // The API searched what the input meant (pinyin, a typo): say so, and
    // offer the input as typed.
    if (fix) {
      const n = el("div", "note");
      n.id = "correction";
      const a = el("a", "", fix.from);
      a.href = "#/search?" + stateParams(Object.assign({}, s, {page: 1, exact: true}));
      add(n, "已为您搜索“" + fix.to + "”，仍然搜索：", a);
      view.appendChild(n);
    }
    if (r.relaxed) {
      const dropped = (r.relaxed.dropped || []).join("、");
      view.appendChild(el("div", "note", r.relaxed.message ||
        ("没有同时包含所有词的商品，已为您展示部分匹配的结果" + (dropped ? "（未匹配：" + dropped + "）" : ""))));
    }
    if (!r.items || !r.items.length) {
      const e = el("div", "empty");
      e.id = "zero";
      add(e, el("b", "", "没有找到" + (s.q ? "“" + s.q + "”" : "") + "相关的商品"),
        el("span", "", "换个关键词试试，或者看看下面的推荐"));
      view.appendChild(e);
      if (hot.hot.length) { const c = el("div", "card"); add(c, el("h2", "", "大家都在搜"), hotChips(hot.hot)); view.appendChild(c); }
      slot(view, "为你推荐", "zero_result", {q: s.q}, fresh);
      fresh.done();
      return;
    }
    const more = r.matched > r.total ? "（匹配 " + r.matched + " 件，排序前 " + r.total + " 件）" : "";
    view.appendChild(el("p", "meta", "共 " + r.total + " 件商品" + more + (r.took_ms !== undefined ? " · " + r.took_ms + " ms" : "")));
    const ctx = {scene: "search", slot: "results", impression_id: imp, query: s.q};
    const g = grid(r.items, ctx);
    g.id = "results";
    view.appendChild(g);
    view.appendChild(pager(s, r.total));
    fresh.done();
    track("impression", {scene: "search", slot: "results", impression_id: imp, query: s.q || undefined, items: r.items.map(x => x.id)});
  }).catch(err => {
    if (!fresh()) return;
    view.textContent = "";
    view.appendChild(el("div", "empty", "搜索出错：" + err.message));
    fresh.done();
  });
}
