// The other pages: home, product, cart, order complete.

import {$, STOCK, REGIONS, el, add, yuan, fen, store, save, rid, toast, getJSON} from "./util.js";
import {prefs, track, flush, cart, loadHot} from "./state.js";
import {go, apiParams, rerender} from "./nav.js";
import {thumb, priceNode, tagsNode, slot, hotChips} from "./cards.js";

export function renderHome(view, fresh) {
  const top = el("section", "card");
  add(top, el("h2", "", "热门搜索"));
  view.appendChild(top);
  const hotReady = loadHot().then(h => { if (fresh()) top.appendChild(hotChips(h.hot)); fresh.done(); return h; });
  // Guess-you-like; until recommendations exist, the best sellers of the
  // top hot search stand in.
  slot(view, "猜你喜欢", "home", {}, fresh, () => hotReady.then(async h => {
    let best = [];
    for (const q of h.hot.slice(0, 4)) {
      const r = await getJSON("/api/search?" + apiParams({q, sort: "sales", brand: [], page: 1}, 8));
      if ((r.items || []).length > best.length) best = r.items;
      if (best.length >= 8) break;
    }
    return best.map(x => Object.assign({}, x, {highlight: ""})); // no search marks outside a search
  }));
}
export function renderItem(view, id, params, fresh) {
  getJSON("/api/items/" + encodeURIComponent(id)).then(p => {
    if (!fresh()) return;
    document.title = p.title + " - 易搜商城";
    const stockState = p.stock_known && p.stock <= 0 ? "out_of_stock" : p.stock_known && p.stock < 10 ? "low_stock" : "in_stock";
    const c = el("section", "card detail");
    c.id = "item";
    c.dataset.id = p.id;
    const info = el("div");
    const h1 = el("h1", "", p.title);
    const kv = el("dl", "kv");
    const row = (k, v) => { if (v) add(kv, el("dt", "", k), el("dd", "", v)); };
    row("品牌", p.brand);
    row("类目", (p.category || "").split(">").join(" › "));
    row("店铺", p.platform === "self" ? "自营" : p.shop_id ? "第三方 · " + p.shop_id : "第三方");
    row("库存", STOCK[stockState][0] + (p.stock_known ? "（" + p.stock + " 件）" : ""));
    row("配送", p.regions && p.regions.length ? p.regions.map(r => REGIONS[r] || r).join("、") : "全国");
    if (prefs.region) {
      const here = REGIONS[prefs.region] || prefs.region;
      const n = p.region_stock ? p.region_stock[prefs.region] : undefined;
      row(here, p.regions && p.regions.length && !p.regions.includes(prefs.region) ? "不配送至" + here
        : n !== undefined ? (n > 0 ? "本地仓有货（" + n + " 件）" : "本地仓无货，从外地发货") : "");
    }
    row("月销", p.sales_30d ? String(p.sales_30d) : "");
    for (const [k, v] of Object.entries(p.attributes || {}).slice(0, 12)) row(k, String(v));
    const qty = {n: 1};
    const q = el("span", "qty");
    const n = el("span", "", "1");
    const minus = el("button", "", "−"), plus = el("button", "", "+");
    minus.type = plus.type = "button";
    minus.addEventListener("click", () => { qty.n = Math.max(1, qty.n - 1); n.textContent = String(qty.n); });
    plus.addEventListener("click", () => { qty.n = Math.min(99, qty.n + 1); n.textContent = String(qty.n); });
    add(q, minus, n, plus);
    const buy = el("button", "btn", "加入购物车");
    buy.id = "addcart";
    buy.type = "button";
    buy.disabled = stockState === "out_of_stock";
    buy.addEventListener("click", () => {
      cart.add(p, qty.n);
      const from = params.get("from") || "";
      track("add_to_cart", {item_id: p.id, scene: /^[a-z_]{1,32}$/.test(from) ? from : undefined});
      toast("已加入购物车");
    });
    const fav = el("button", "btn ghost", "收藏");
    fav.id = "fav";
    fav.type = "button";
    fav.addEventListener("click", () => {
      track("favorite", {item_id: p.id});
      fav.textContent = "已收藏";
      fav.disabled = true;
    });
    const acts = el("div", "chips");
    add(acts, q, buy, fav);
    const pr = priceNode(p);
    add(info, h1, pr, tagsNode(Object.assign({}, p, {stock: stockState})), kv, acts);
    add(c, thumb(p), info);
    view.appendChild(c);
    slot(view, "看了又看", "detail", {item: p.id}, fresh);
    fresh.done();
  }).catch(err => {
    if (!fresh()) return;
    view.appendChild(el("div", "empty", err.status === 404 ? "商品不存在或已下架" : "加载失败：" + err.message));
    fresh.done();
  });
}

export function renderCart(view, fresh) {
  document.title = "购物车 - 易搜商城";
  const items = cart.items();
  const sec = el("section", "cart");
  sec.id = "cart";
  add(sec, el("h2", "", "购物车"));
  view.appendChild(sec);
  if (!items.length) {
    sec.appendChild(el("div", "empty", "购物车是空的，去逛逛吧"));
  } else {
    const ul = el("ul");
    ul.className = "cart";
    let total = 0; // in fen: 3 × 4560.90 is 13682.70 exactly
    for (const it of items) {
      total += fen(it.price) * it.qty;
      const li = el("li");
      li.dataset.id = it.id;
      const a = el("a", "", it.title || it.id);
      a.href = "#/item/" + encodeURIComponent(it.id);
      const ci = el("div", "ci");
      const q = el("span", "qty");
      const m = el("button", "", "−"), p = el("button", "", "+");
      m.type = p.type = "button";
      const change = d => {
        const all = cart.items();
        const x = all.find(y => y.id === it.id);
        if (x) x.qty = Math.max(1, Math.min(99, x.qty + d));
        cart.set(all);
        rerender();
      };
      m.addEventListener("click", () => change(-1));
      p.addEventListener("click", () => change(1));
      add(q, m, el("span", "", String(it.qty)), p);
      const rm = el("button", "rm", "删除");
      rm.type = "button";
      rm.addEventListener("click", () => { cart.set(cart.items().filter(y => y.id !== it.id)); rerender(); });
      add(ci, a, add(el("div", "price"), el("small", "", "¥"), yuan(it.price)), q);
      add(li, thumb(it), ci, rm);
      ul.appendChild(li);
    }
    sec.appendChild(ul);
    const sum = el("div", "sum");
    const pay = el("button", "btn", "结算");
    pay.id = "checkout";
    pay.type = "button";
    pay.addEventListener("click", () => {
      const order = "o-" + rid();
      for (const it of cart.items()) track("purchase", {item_id: it.id, quantity: it.qty, amount: fen(it.price) * it.qty / 100, scene: "cart"});
      save("ss_last_order", cart.items().map(x => x.id));
      cart.set([]);
      flush(false);
      go("/order/" + order);
    });
    const tot = add(el("span", "price"), el("small", "", "¥"), yuan(total / 100));
    tot.id = "carttotal";
    add(sum, el("span", "", "合计"), tot, pay);
    sec.appendChild(sum);
  }
  slot(view, "买了还买", "cart", {cart: items.map(x => x.id).join(",")}, fresh);
  fresh.done();
}

export function renderOrder(view, order, fresh) {
  document.title = "下单成功 - 易搜商城";
  const e = el("div", "empty");
  e.id = "order";
  add(e, el("b", "", "下单成功"), el("span", "", "订单号 " + order + "（演示，不会发货）"));
  view.appendChild(e);
  slot(view, "为你推荐", "order_complete", {cart: store("ss_last_order", []).join(",")}, fresh);
  fresh.done();
}
