// Product cards, grids and recommendation slots.

import {STOCK, el, add, yuan, rid, setHighlight, getJSON, effPrice} from "./util.js";
import {SID, prefs, track} from "./state.js";

export function thumb(p, cls) {
  const box = el("div", cls || "img");
  if (p.image && /^https:\/\//.test(p.image)) {
    const img = el("img");
    img.alt = "";
    img.loading = "lazy";
    img.src = p.image;
    img.addEventListener("error", () => { img.remove(); box.textContent = initial(p); });
    box.appendChild(img);
  } else {
    box.textContent = initial(p);
  }
  return box;
}
export function initial(p) { return Array.from(p.brand || p.title || "商")[0].toUpperCase(); }

export function priceNode(p) {
  const pr = el("div", "price");
  const promo = p.promo_price > 0 && p.promo_price < p.price;
  add(pr, el("small", "", "¥"), yuan(promo ? p.promo_price : p.price));
  if (promo) pr.appendChild(el("del", "", "¥" + yuan(p.price)));
  return pr;
}
export function tagsNode(p) {
  const t = el("div", "tags");
  if (p.platform === "self") t.appendChild(el("span", "b self", "自营"));
  else if (p.platform === "pop") t.appendChild(el("span", "b", "POP"));
  if (p.promo_tag) t.appendChild(el("span", "tag", p.promo_tag));
  const st = STOCK[p.stock];
  if (st && p.stock !== "in_stock") t.appendChild(el("span", st[1], st[0]));
  if (p.partial) t.appendChild(el("span", "partial", "部分匹配"));
  return t;
}

// card renders one product; ctx has scene, slot, impression id, query and
// the position, sent with its click.
export function card(p, ctx, pos) {
  const li = el("li", "prod" + (p.stock === "out_of_stock" ? " gone" : ""));
  li.dataset.id = p.id;
  li.dataset.price = String(effPrice(p));
  li.dataset.pos = String(pos + 1);
  const a = el("a");
  a.href = "#/item/" + encodeURIComponent(p.id) + (ctx.scene ? "?from=" + encodeURIComponent(ctx.scene) : "");
  a.addEventListener("click", () => track("click", {item_id: p.id, scene: ctx.scene, slot: ctx.slot,
    impression_id: ctx.impression_id, query: ctx.query || undefined}));
  const info = el("div", "pi");
  const ttl = el("div", "ttl");
  if (p.highlight) setHighlight(ttl, p); else ttl.textContent = p.title || p.id;
  ttl.title = p.title || "";
  add(info, ttl, priceNode(p), tagsNode(p));
  add(a, thumb(p), info);
  li.appendChild(a);
  return li;
}
export function grid(items, ctx) {
  const ul = el("ul", "grid");
  items.forEach((p, i) => ul.appendChild(card(p, ctx, i)));
  return ul;
}
// slot fills a section from GET /api/recommend, hiding it when the API is
// missing, fails or has nothing; fallback (optional) fills it instead.
export function slot(parent, title, scene, extra, fresh, fallback) {
  const sec = el("section", "card slot");
  sec.hidden = true;
  sec.dataset.slot = scene;
  sec.dataset.state = "loading"; // then shown or hidden
  parent.appendChild(sec);
  const p = new URLSearchParams({scene, session: SID, n: "8", device: prefs.device});
  if (prefs.region) p.set("region", prefs.region);
  for (const [k, v] of Object.entries(extra || {})) if (v) p.set(k, v);
  const show = (items, ctx) => {
    if (!fresh()) return;
    if (!items.length) { sec.dataset.state = "hidden"; return; }
    add(sec, el("h2", "", title), grid(items, ctx));
    sec.hidden = false;
    sec.dataset.state = "shown";
    sec.dataset.source = ctx.slot;
    track("impression", {scene: ctx.scene, slot: ctx.slot, impression_id: ctx.impression_id, items: items.map(x => x.id)});
  };
  getJSON("/api/recommend?" + p).then(r => {
    const items = ((r && (r.items || r.recommendations)) || []).map(x => Object.assign({}, x.product || {}, x))
      .filter(x => x && x.id);
    if (!items.length) throw new Error("empty");
    show(items, {scene, slot: r.slot || scene, impression_id: r.impression_id || ("c-" + rid())});
  }).catch(() => {
    if (!fallback) { sec.dataset.state = "hidden"; return; }
    fallback().then(items => show(items, {scene, slot: scene + "_fallback", impression_id: "c-" + rid()}),
      () => { sec.dataset.state = "hidden"; });
  });
  return sec;
}
export function hotChips(list) {
  const c = el("div", "chips");
  for (const q of list) {
    const a = el("a", "chip", q);
    a.href = "#/search?" + new URLSearchParams({q});
    c.appendChild(a);
  }
  return c;
}
