package main

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowser drives the storefront and the console in headless Chromium.
// The scenarios share one server and browser and run in order: the
// console's publish, which changes the ranking, comes last.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests start a server and Chromium; skipped with -short")
	}
	b := newBrowserEnv(t)
	t.Run("suggest", func(t *testing.T) { browserSuggest(t, b) })
	t.Run("pinyin searched as what it meant", func(t *testing.T) { browserCorrection(t, b) })
	t.Run("facet and sort", func(t *testing.T) { browserFacetSort(t, b) })
	t.Run("cart", func(t *testing.T) { browserCart(t, b) })
	t.Run("prices to the fen", func(t *testing.T) { browserPrices(t, b) })
	t.Run("only searches that found items count", func(t *testing.T) { browserHotSearches(t, b) })
	t.Run("storefront at phone width", func(t *testing.T) { browserPhoneShop(t, b) })
	t.Run("console at phone width", func(t *testing.T) { browserPhoneConsole(t, b) })
	t.Run("console refuses without token", func(t *testing.T) { browserUnauthorized(t, b) })
	t.Run("console synonym finds items in the storefront", func(t *testing.T) { browserLexicon(t, b) })
	t.Run("console publish changes the storefront", func(t *testing.T) { browserPublish(t, b) })
}

// browserLexicon adds a one-way synonym in the console's 词典/同义词 tab,
// previews it (the draft side finds items, the current none), publishes
// it, and searches the storefront for the new word: it finds the phones.
func browserLexicon(t *testing.T, b *browserEnv) {
	const word = "大哥大" // old slang for a mobile phone; no title has it. One way, so 手机's own results are unchanged
	shop := b.tab(t, 1280, 900, false)
	b.do(t, shop,
		chromedp.Navigate(b.base+"/#/search?correct=false&q="+url.QueryEscape(word)),
		waitReady(),
	)
	if n := evalJS[int](t, b, shop, `document.querySelectorAll("#results li.prod").length`); n > 0 {
		t.Logf("%s finds %d items before the synonym (partial matches)", word, n)
	}
	ctx := b.tab(t, 1280, 1000, false)
	b.do(t, ctx,
		chromedp.Navigate(b.base+"/admin#lexicon"),
		waitFor(`!document.getElementById("login").hidden`),
		chromedp.SendKeys(chromedp.CSS("#token"), browserToken),
		chromedp.Click(chromedp.CSS("#loginbtn")),
		waitFor(`!document.getElementById("app").hidden && !document.getElementById("tab-lexicon").hidden && document.getElementById("lxstatus").dataset.state === "ready"`),
		chromedp.SetValue(chromedp.CSS("#lxsyn"), word+" => 手机"),
		chromedp.SetValue(chromedp.CSS("#lxq"), word),
		chromedp.Click(chromedp.CSS("#lxpreview")),
		waitFor(`document.querySelectorAll("#lxcompare [data-side=draft] li[data-id]").length > 0`),
	)
	if n := evalJS[int](t, b, ctx, `document.querySelectorAll("#lxcompare [data-side=draft] .exp").length`); n != 1 {
		t.Errorf("the draft side shows %d expansions, want 1", n)
	}
	b.shot(t, ctx, "console-lexicon-preview")
	b.do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#lxauthor"), "browser"),
		chromedp.SetValue(chromedp.CSS("#lxnote"), "大哥大同义词"),
		chromedp.Click(chromedp.CSS("#lxpublish")),
		waitFor(`document.getElementById("msg").textContent.includes("已发布词典 v1")`),
		waitFor(`document.getElementById("lxstatus").dataset.applied === "1" && document.querySelectorAll("#lxhistory tr[data-version]").length === 2`),
	)
	b.shot(t, ctx, "console-lexicon")
	b.do(t, shop,
		chromedp.Navigate(b.base+"/#/search?q="+url.QueryEscape(word)),
		waitReady(),
		waitFor(`document.querySelectorAll("#results li.prod").length > 0`),
	)
	titles := evalJS[[]string](t, b, shop, `Array.from(document.querySelectorAll("#results li.prod"), li => li.textContent).slice(0, 5)`)
	for _, title := range titles {
		if !strings.Contains(title, "手机") {
			t.Errorf("a result for %s lacks 手机: %q", word, title)
		}
	}
	b.shot(t, shop, "storefront-synonym")
	// At phone width the tab still works.
	b.do(t, ctx,
		chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile),
		chromedp.Navigate(b.base+"/admin#lexicon"),
		waitFor(`!document.getElementById("tab-lexicon").hidden && document.getElementById("lxsyn").value.includes("大哥大")`),
	)
	b.shot(t, ctx, "console-lexicon-mobile")
}

// browserSuggest types pinyin, picks a suggestion with the keyboard and
// expects its results.
func browserSuggest(t *testing.T, b *browserEnv) {
	for _, vp := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"mobile", 375, 812, true}} {
		ctx := b.tab(t, vp.width, vp.height, vp.mobile)
		b.do(t, ctx,
			chromedp.Navigate(b.base+"/"),
			waitReady(),
			waitFor(`document.querySelectorAll("a.chip").length > 0`), // hot searches from /api/hot
			waitFor(`document.getElementById("q").placeholder !== "搜索商品"`),
			waitFor(`document.querySelector("section[data-slot=home]").dataset.state !== "loading"`),
		)
		b.shot(t, ctx, "storefront-home-"+vp.name)
		b.do(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#q"), "shouji"),
			waitFor(`document.getElementById("sug").dataset.q === "shouji" && !document.getElementById("sug").hidden`),
		)
		sugs := evalJS[[]string](t, b, ctx, `Array.from(document.querySelectorAll("#sug li[role=option]"), li => li.dataset.text)`)
		if !slices.ContainsFunc(sugs, func(s string) bool { return strings.Contains(s, "手机") }) {
			t.Errorf("%s: suggestions for shouji lack 手机: %q", vp.name, sugs)
		}
		b.do(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#q"), kb.ArrowDown),
			waitFor(`document.querySelector("#sug li.on") !== null`),
		)
		b.shot(t, ctx, "storefront-suggest-"+vp.name)
		b.do(t, ctx,
			chromedp.Focus(chromedp.CSS("#q")),
			waitFor(`document.querySelector("#sug li.on") !== null`),
			chromedp.SendKeys(chromedp.CSS("#q"), kb.ArrowDown),
			chromedp.SendKeys(chromedp.CSS("#q"), kb.ArrowUp),
			chromedp.SendKeys(chromedp.CSS("#q"), "\r"),
			waitReady(),
			waitFor(`document.querySelectorAll("#results li.prod").length > 0`),
		)
		hash := evalJS[string](t, b, ctx, `location.hash`)
		if want := "#/search?" + (url.Values{"q": {sugs[0]}}).Encode(); hash != want {
			t.Errorf("%s: after picking %q the URL is %q, want %q", vp.name, sugs[0], hash, want)
		}
		if q := evalJS[string](t, b, ctx, `document.getElementById("q").value`); q != sugs[0] {
			t.Errorf("%s: search box holds %q, want %q", vp.name, q, sugs[0])
		}
		// ↓ reopens the drop-down, Esc closes it.
		b.do(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#q"), kb.ArrowDown),
			waitFor(`!document.getElementById("sug").hidden`),
			chromedp.SendKeys(chromedp.CSS("#q"), kb.Escape),
			waitFor(`document.getElementById("sug").hidden`),
		)
		if q := evalJS[string](t, b, ctx, `document.getElementById("q").value`); q != sugs[0] {
			t.Errorf("%s: after Esc the search box holds %q, want %q", vp.name, q, sugs[0])
		}
		b.shot(t, ctx, "storefront-results-"+vp.name)
	}
}

// browserCorrection searches pinyin typed into the box: the storefront
// shows the results of what it meant, says so, and links to the input as
// typed, which finds nothing.
func browserCorrection(t *testing.T, b *browserEnv) {
	ctx := b.tab(t, 1280, 900, false)
	b.do(t, ctx,
		chromedp.Navigate(b.base+"/#/search?q=shouji"),
		waitReady(),
		waitFor(`document.getElementById("correction") !== null`),
		waitFor(`document.querySelectorAll("#results li.prod").length > 0`),
	)
	note := evalJS[string](t, b, ctx, `document.getElementById("correction").textContent`)
	if !strings.Contains(note, "已为您搜索“手机”") || !strings.Contains(note, "shouji") {
		t.Errorf("correction note %q", note)
	}
	b.shot(t, ctx, "storefront-correction")
	b.do(t, ctx,
		chromedp.Click(chromedp.CSS("#correction a")),
		waitReady(),
		waitFor(`location.hash.includes("correct=false")`),
		waitFor(`document.getElementById("zero") !== null`),
	)
}

// prices reads the effective prices of the result grid.
const pricesJS = `Array.from(document.querySelectorAll("#results li.prod"), li => Number(li.dataset.price))`

// browserFacetSort filters by a brand facet, then sorts by price both ways,
// and goes back through the history.
func browserFacetSort(t *testing.T, b *browserEnv) {
	ctx := b.tab(t, 1280, 900, false)
	b.do(t, ctx,
		chromedp.Navigate(b.base+"/#/search?q="+url.QueryEscape("手机")),
		waitReady(),
		waitFor(`document.querySelectorAll("[data-facet=brand] a.chip").length > 0`),
	)
	brand := evalJS[string](t, b, ctx, `document.querySelector("[data-facet=brand] a.chip").dataset.value`)
	b.do(t, ctx,
		chromedp.Click(chromedp.CSS("[data-facet=brand] a.chip")),
		waitReady(),
		waitFor(`location.hash.includes("brand=")`),
		waitFor(`document.querySelector("[data-facet=brand] a.chip.on") !== null`),
	)
	if got := evalJS[string](t, b, ctx, `document.querySelector("[data-facet=brand] a.chip.on").dataset.value`); got != brand {
		t.Errorf("brand facet %q clicked, %q is on", brand, got)
	}
	filtered := evalJS[int](t, b, ctx, `document.querySelectorAll("#results li.prod").length`)
	if filtered == 0 {
		t.Fatalf("no results with brand %q", brand)
	}
	// The price sort, over all brands again.
	b.do(t, ctx,
		chromedp.Click(chromedp.CSS("[data-facet=brand] a.chip.on")), // brand off again
		waitReady(),
		waitFor(`!location.hash.includes("brand=")`),
		chromedp.Click(chromedp.CSS(`#sorts a[data-sort=price]`)),
		waitReady(),
		waitFor(`location.hash.includes("sort=price_asc")`),
	)
	asc := evalJS[[]float64](t, b, ctx, pricesJS)
	if len(asc) < 2 || !slices.IsSorted(asc) {
		t.Errorf("价格 ↑: prices not ascending: %v", asc)
	}
	b.shot(t, ctx, "storefront-sort-price-asc")
	b.do(t, ctx,
		chromedp.Click(chromedp.CSS(`#sorts a[data-sort=price]`)),
		waitReady(),
		waitFor(`location.hash.includes("sort=price_desc")`),
	)
	desc := evalJS[[]float64](t, b, ctx, pricesJS)
	if len(desc) < 2 || !slices.IsSortedFunc(desc, func(a, b float64) int { return cmp.Compare(b, a) }) {
		t.Errorf("价格 ↓: prices not descending: %v", desc)
	}
	if slices.Equal(asc, desc) {
		t.Errorf("toggling the price sort did not change the order: %v", asc)
	}
	// Back returns to the ascending sort, from the URL alone.
	b.do(t, ctx,
		chromedp.NavigateBack(),
		waitReady(),
		waitFor(`location.hash.includes("sort=price_asc")`),
	)
	if back := evalJS[[]float64](t, b, ctx, pricesJS); !slices.Equal(back, asc) {
		t.Errorf("after Back the prices are %v, want %v", back, asc)
	}
	// A price band facet narrows the results to its range.
	b.do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-facet=price] a.chip`)),
		waitReady(),
		waitFor(`location.hash.includes("price_")`),
	)
	u, err := url.Parse("http://x/?" + strings.SplitN(evalJS[string](t, b, ctx, `location.hash`), "?", 2)[1])
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := u.Query().Get("price_min"), u.Query().Get("price_max")
	for _, p := range evalJS[[]float64](t, b, ctx, pricesJS) {
		if lo != "" && p < atof(t, lo) || hi != "" && p > atof(t, hi) {
			t.Errorf("price %g outside the band %s-%s", p, lo, hi)
		}
	}
	// A query that finds nothing shows the zero-result page, its
	// recommendation slot shown or hidden.
	b.do(t, ctx,
		chromedp.Navigate(b.base+"/#/search?q="+url.QueryEscape(zeroQuery)),
		waitReady(),
		waitFor(`document.getElementById("zero") !== null`),
		waitFor(`document.querySelector("section[data-slot=zero_result]").dataset.state !== "loading"`),
	)
	b.shot(t, ctx, "storefront-zero-result")
}

// zeroQuery finds nothing in the demo catalog.
const zeroQuery = "qqzzxxjjkk"

// browserCart opens a product from the results, adds it to the cart and
// expects it there, with the bought-together slot shown or hidden.
func browserCart(t *testing.T, b *browserEnv) {
	ctx := b.tab(t, 375, 812, true)
	b.do(t, ctx,
		chromedp.Navigate(b.base+"/#/search?in_stock=true&q="+url.QueryEscape("奶粉")), // not in the 手机 results the publish scenario compares
		waitReady(),
		waitFor(`document.querySelectorAll("#results li.prod").length > 0`),
	)
	id := evalJS[string](t, b, ctx, `document.querySelector("#results li.prod").dataset.id`)
	b.do(t, ctx,
		chromedp.Click(chromedp.CSS("#results li.prod a")),
		waitReady(),
		waitFor(`document.getElementById("item") && !document.getElementById("addcart").disabled`),
	)
	if got := evalJS[string](t, b, ctx, `document.getElementById("item").dataset.id`); got != id {
		t.Fatalf("clicked %s, product page shows %s", id, got)
	}
	b.shot(t, ctx, "storefront-item-mobile")
	b.do(t, ctx,
		chromedp.Click(chromedp.CSS("#fav")),
		waitFor(`document.getElementById("fav").disabled`),
		chromedp.Click(chromedp.CSS("#addcart")),
		waitFor(`document.getElementById("cartn").textContent === "1"`),
		chromedp.Click(chromedp.CSS("#cartlink")),
		waitReady(),
		waitFor(`document.querySelector("#cart li[data-id]") !== null`),
		waitFor(`document.querySelector("section[data-slot=cart]").dataset.state !== "loading"`),
	)
	if got := evalJS[[]string](t, b, ctx, `Array.from(document.querySelectorAll("#cart li[data-id]"), li => li.dataset.id)`); !slices.Equal(got, []string{id}) {
		t.Errorf("cart holds %q, want [%s]", got, id)
	}
	state := evalJS[string](t, b, ctx, `document.querySelector("section[data-slot=cart]").dataset.state`)
	shownItems := evalJS[int](t, b, ctx, `document.querySelectorAll("section[data-slot=cart] li.prod").length`)
	hidden := evalJS[bool](t, b, ctx, `document.querySelector("section[data-slot=cart]").hidden`)
	switch {
	case state == "shown" && shownItems > 0 && !hidden:
		t.Logf("bought-together slot shows %d items", shownItems)
	case state == "hidden" && hidden:
		t.Logf("bought-together slot hidden (GET /api/recommend not available yet)")
	default:
		t.Errorf("bought-together slot: state %q, %d items, hidden %v", state, shownItems, hidden)
	}
	b.shot(t, ctx, "storefront-cart-mobile")
	b.do(t, ctx,
		chromedp.Click(chromedp.CSS("#checkout")),
		waitReady(),
		waitFor(`document.getElementById("order") !== null && document.getElementById("cartn").textContent === ""`),
	)
}

// browserUnauthorized expects the console to show the login without a
// token and after a wrong one, and the API to refuse with 401.
func browserUnauthorized(t *testing.T, b *browserEnv) {
	resp, err := http.Get(b.base + "/api/admin/profiles")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/admin/profiles without a token: %d, want 401", resp.StatusCode)
	}
	ctx := b.tab(t, 1280, 900, false)
	b.do(t, ctx,
		chromedp.Navigate(b.base+"/admin"),
		waitFor(`!document.getElementById("login").hidden && document.getElementById("app").hidden`),
		chromedp.SendKeys(chromedp.CSS("#token"), "wrong-token"),
		chromedp.Click(chromedp.CSS("#loginbtn")),
		waitFor(`document.getElementById("loginerr").textContent.includes("令牌无效")`),
	)
	if !evalJS[bool](t, b, ctx, `document.getElementById("app").hidden && sessionStorage.getItem("ss_admin_token") === null`) {
		t.Error("the console opened, or kept the token, after a wrong token")
	}
	b.shot(t, ctx, "console-login-refused")
}

// browserPublish logs in to the console, raises the sales weight, previews
// the change, publishes it and expects the storefront to show the draft's
// order.
func browserPublish(t *testing.T, b *browserEnv) {
	const query = "手机"
	shop := b.tab(t, 1280, 900, false)
	resultsJS := `Array.from(document.querySelectorAll("#results li.prod"), li => li.dataset.id).slice(0, 10)`
	b.do(t, shop,
		chromedp.Navigate(b.base+"/#/search?q="+url.QueryEscape(query)),
		waitReady(),
		waitFor(`document.querySelectorAll("#results li.prod").length >= 10`),
	)
	before := evalJS[[]string](t, b, shop, resultsJS)

	ctx := b.tab(t, 1280, 1000, false)
	b.do(t, ctx,
		chromedp.Navigate(b.base+"/admin"),
		waitFor(`!document.getElementById("login").hidden`),
		chromedp.SendKeys(chromedp.CSS("#token"), browserToken),
		chromedp.Click(chromedp.CSS("#loginbtn")),
		waitFor(`!document.getElementById("app").hidden && document.querySelector("#w-sales") !== null`),
		chromedp.SetValue(chromedp.CSS("#pq"), query),
		// Sales up; CTR and conversion off, so that the live click
		// statistics the events feed into ranking cannot reorder the items
		// mid-test.
		chromedp.Evaluate[chromedp.Void](`(() => { for (const [f, v] of [["sales", "1"], ["ctr", "0"], ["cvr", "0"]]) {
			const r = document.getElementById("w-" + f); r.value = v; r.dispatchEvent(new Event("input")); } })()`),
		chromedp.Click(chromedp.CSS("#previewbtn")),
		waitFor(`document.querySelectorAll("#preview [data-side=draft] li[data-move=up], #preview [data-side=draft] li[data-move=down], #preview [data-side=draft] li[data-move=new]").length > 0`),
	)
	draft := evalJS[[]string](t, b, ctx, `Array.from(document.querySelectorAll("#preview [data-side=draft] li[data-id]"), li => li.dataset.id)`)
	current := evalJS[[]string](t, b, ctx, `Array.from(document.querySelectorAll("#preview [data-side=current] li[data-id]"), li => li.dataset.id)`)
	if !slices.Equal(current, before) { // the CTR the events feed in may have moved since
		t.Logf("preview's current side %q differs from the storefront's order before %q", current, before)
	}
	b.shot(t, ctx, "console-preview")
	// An item of the preview opens its explanation; back on the weights tab
	// the draft is still there.
	b.do(t, ctx,
		// Clicked from the page's own script: the preview may be drawn
		// again between chromedp finding a node and clicking it ("Could
		// not find node with given id"), while a query and a click in one
		// script always find the list as it is.
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#preview [data-side=current] li[data-id]").click()`),
		waitFor(`!document.getElementById("tab-explain").hidden && document.querySelector("#xlist li.on") !== null`),
	)
	if got, want := evalJS[string](t, b, ctx, `document.querySelector("#xlist li.on").dataset.id`), current[0]; got != want {
		t.Errorf("explain from the preview selected %s, want %s", got, want)
	}
	b.do(t, ctx,
		chromedp.Click(chromedp.CSS(`#tabs a[data-tab=weights]`)),
		waitFor(`!document.getElementById("tab-weights").hidden && document.getElementById("w-sales").value === "1"`),
	)
	b.do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#author"), "browser-test"),
		chromedp.SetValue(chromedp.CSS("#note"), "销量权重调高"),
		chromedp.Click(chromedp.CSS("#publish")),
		waitFor(`document.getElementById("msg").textContent.includes("已发布 default v1")`),
		waitFor(`document.querySelector("#history tr[data-version='1'].cur") !== null`),
		// publish previews again: the current side is now the published draft.
		waitFor(`document.querySelector("#preview [data-side=current] h3").textContent.includes("v1")`),
	)
	published := evalJS[[]string](t, b, ctx, `Array.from(document.querySelectorAll("#preview [data-side=current] li[data-id]"), li => li.dataset.id)`)
	if !slices.Equal(published, draft) {
		t.Logf("the published ranking %q differs from the preview's draft %q (live statistics changed between them)", published, draft)
	}
	b.shot(t, ctx, "console-published")

	b.do(t, shop,
		chromedp.Reload(),
		waitReady(),
		waitFor(`document.querySelectorAll("#results li.prod").length >= 10`),
	)
	after := evalJS[[]string](t, b, shop, resultsJS)
	if slices.Equal(after, before) {
		t.Errorf("the storefront order did not change after publishing: %q", after)
	}
	if !slices.Equal(after, published) {
		t.Errorf("storefront order after publishing %q, want the published ranking %q", after, published)
	}
	b.shot(t, shop, "storefront-after-publish")

	// The explain panel and the dashboards of the same console.
	b.do(t, ctx,
		chromedp.Navigate(b.base+"/admin#explain"),
		waitFor(`!document.getElementById("tab-explain").hidden`),
		chromedp.SetValue(chromedp.CSS("#xq"), query),
		chromedp.Click(chromedp.CSS("#xbtn")),
		waitFor(`document.querySelectorAll("#xpanel svg rect").length > 0`),
	)
	b.shot(t, ctx, "console-explain")
	b.do(t, ctx,
		chromedp.Navigate(b.base+"/admin#dash"),
		waitFor(`document.querySelectorAll("#chtop svg rect").length > 0 && document.querySelector("#chslots").textContent !== ""`),
		waitFor(`document.querySelector("#chzero").textContent.includes(`+jsString(zeroQuery)+`)`),
	)
	b.shot(t, ctx, "console-dashboard")

	// A pin rule, previewed, then saved.
	pinned := after[len(after)-1]
	b.do(t, ctx,
		chromedp.Navigate(b.base+"/admin#rules"),
		waitFor(`!document.getElementById("tab-rules").hidden && document.querySelector("#rules tr") !== null`),
		chromedp.SetValue(chromedp.CSS(`#ruleform [name=query]`), query),
		chromedp.SetValue(chromedp.CSS(`#ruleform [name=item_id]`), pinned),
		chromedp.SetValue(chromedp.CSS(`#ruleform [name=position]`), "1"),
		chromedp.SetValue(chromedp.CSS(`#ruleform [name=author]`), "browser-test"),
		chromedp.Click(chromedp.CSS("#rulepreview")),
		waitFor(`document.querySelector("#rulecompare [data-side=draft] li[data-id]") !== null`),
	)
	if first := evalJS[string](t, b, ctx, `document.querySelector("#rulecompare [data-side=draft] li[data-id]").dataset.id`); first != pinned {
		t.Errorf("pin preview: draft starts with %s, want the pinned %s", first, pinned)
	}
	b.do(t, ctx,
		chromedp.Click(chromedp.CSS(`#ruleform button[type=submit]`)),
		waitFor(`document.querySelectorAll("#rules tr[data-id]").length === 1`),
	)
	b.shot(t, ctx, "console-rules")

	// The search box's hint, set in the console, shows in the storefront.
	const hint = "双十一手机狂欢"
	b.do(t, ctx,
		chromedp.Navigate(b.base+"/admin#suggest"),
		waitFor(`!document.getElementById("tab-suggest").hidden && document.getElementById("sghot").value !== ""`),
		chromedp.SetValue(chromedp.CSS("#sghint"), hint),
		chromedp.Click(chromedp.CSS("#sgsave")),
		waitFor(`document.getElementById("msg").textContent.includes("已保存搜索框配置")`),
	)
	b.shot(t, ctx, "console-suggest")
	b.do(t, shop,
		chromedp.Navigate(b.base+"/#/"),
		waitReady(),
		waitFor(`document.getElementById("q").placeholder === `+jsString(hint)),
	)
	b.do(t, ctx,
		chromedp.Navigate(b.base+"/admin#ab"),
		waitFor(`!document.getElementById("tab-ab").hidden && document.querySelectorAll("#arms tr").length > 1`),
	)
	b.shot(t, ctx, "console-ab")

	// The console at phone width.
	b.do(t, ctx,
		chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile),
		chromedp.Navigate(b.base+"/admin#weights"),
		waitFor(`!document.getElementById("app").hidden && document.querySelector("#w-sales") !== null`),
	)
	b.shot(t, ctx, "console-weights-mobile")
	browserEventsValid(t, b)
}

// browserEventsValid checks that POST /api/events, when the server has it,
// rejected none of the events the pages sent.
func browserEventsValid(t *testing.T, b *browserEnv) {
	req, err := http.NewRequest("GET", b.base+"/api/admin/events/stats", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+browserToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		t.Log("no event intake on this server; the pages' events were not checked")
		return
	}
	var st struct {
		Received, Rejected int64
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("events stats: %d %v", resp.StatusCode, err)
	}
	t.Logf("events from the pages: %d received, %d rejected", st.Received, st.Rejected)
	if st.Received == 0 || st.Rejected != 0 {
		t.Errorf("events: %d received, %d rejected; want some, none rejected", st.Received, st.Rejected)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("price in the URL: %v", err)
	}
	return f
}
