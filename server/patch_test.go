package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"shopsearch/models"
	"shopsearch/query"
)

var adminAuth = []string{"Authorization", "Bearer " + testToken, "Content-Type", "application/json"}

func getProduct(t *testing.T, s *Server, id string) models.Product {
	t.Helper()
	r := do(t, s, "GET", "/api/items/"+url.PathEscape(id), "")
	if r.status != http.StatusOK {
		t.Fatalf("get %s: %d %s", id, r.status, r.body)
	}
	var p models.Product
	r.decode(t, &p)
	return p
}

func TestPatchItem(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	q := "q=" + url.QueryEscape("手机") + "&sort=price_asc&size=100"
	if got := ids(search(t, s, q)); got[0] == "p05" {
		t.Fatalf("p05 first before the patch: %v", got)
	}
	r := do(t, s, "PATCH", "/api/items/p05", `{"price": "9.9", "promo_price": 0, "promo_tag": "", "stock": {"regions": {"bj": 2, "sh": 1}}}`, adminAuth...)
	if r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	var p models.Product
	r.decode(t, &p)
	if p.ID != "p05" || p.Price != 9.9 || p.PromoPrice != 0 || p.PromoTag != "" || p.Stock != 3 || p.RegionStock["bj"] != 2 || p.Title != "Apple iPhone 15 128GB 蓝色 手机" {
		t.Errorf("patched item: %s", r.body)
	}
	if got := getProduct(t, s, "p05"); got.Price != 9.9 || got.Stock != 3 {
		t.Errorf("GET after patch: %+v", got)
	}
	if got := ids(search(t, s, q)); got[0] != "p05" {
		t.Errorf("price_asc after the patch: %v", got)
	}
	// An id with an escaped slash.
	if r := do(t, s, "PATCH", "/api/items/a%2Fb", `{"stock": 0}`, adminAuth...); r.status != 200 || !strings.Contains(r.body, `"id":"a/b"`) {
		t.Errorf("patch a/b: %d %s", r.status, r.body)
	}
}

func TestPatchItemErrors(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken, MaxBodyBytes: 1024})
	before := getProduct(t, s, "p01")
	for _, tc := range []struct {
		target, body string
		status       int
		code, msg    string
	}{
		{"/api/items/nope", `{"stock": 1}`, 404, models.ENOTFOUND, `no item with id "nope"`},
		{"/api/items/p01", `{"title": "改名"}`, 400, models.EINVALID, "title cannot be patched; upsert the item to change text fields"},
		{"/api/items/p01", `{"id": "p01", "stock": 1}`, 400, models.EINVALID, "id cannot be patched"},
		{"/api/items/p01", `{"stock": -1}`, 400, models.EINVALID, "stock: must be ≥ 0"},
		{"/api/items/p01", `{"promo_price": 7000}`, 400, models.EINVALID, "promo_price: 7000 is above the price 6999"},
		{"/api/items/p01", `{"platform": "tmall"}`, 400, models.EINVALID, "platform: want self or pop"},
		{"/api/items/p01", `{}`, 400, models.EINVALID, "empty patch"},
		{"/api/items/p01", ``, 400, models.EINVALID, "invalid JSON"},
		{"/api/items/p01", `[{"stock": 1}]`, 400, models.EINVALID, "want an object"},
		{"/api/items/p01", `{"promo_tag": "` + strings.Repeat("x", 2000) + `"}`, 413, models.ETOOLARGE, "over the limit of 1024 bytes"},
	} {
		e := do(t, s, "PATCH", tc.target, tc.body, adminAuth...).errorOf(t, tc.status, tc.code)
		if !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s %.40s: message %q, want %q", tc.target, tc.body, e.Message, tc.msg)
		}
	}
	if got := getProduct(t, s, "p01"); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("p01 changed by rejected patches:\n got %+v\nwant %+v", got, before)
	}
}

func TestPatchAuth(t *testing.T) {
	do(t, newServer(t, Config{}), "PATCH", "/api/items/p01", `{"stock": 1}`, "Authorization", "Bearer x").
		errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
	do(t, newServer(t, Config{}), "POST", "/api/items/_update", `[{"id": "p01", "stock": 1}]`, "Authorization", "Bearer x").
		errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
	s := newServer(t, Config{AdminToken: testToken})
	for _, auth := range []string{"", "Bearer wrong", "Basic " + testToken} {
		r := do(t, s, "PATCH", "/api/items/p01", `{"stock": 1}`, "Authorization", auth)
		r.errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%q: no WWW-Authenticate", auth)
		}
		do(t, s, "POST", "/api/items/_update", `[{"id": "p01", "stock": 1}]`, "Authorization", auth).
			errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
		// Unauthorised requests learn nothing about the ids.
		do(t, s, "PATCH", "/api/items/nope", `{"stock": 1}`, "Authorization", auth).
			errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
	}
	if got := getProduct(t, s, "p01"); got.Stock != 50 {
		t.Errorf("p01 stock %d after unauthorised patches", got.Stock)
	}
}

func TestBulkUpdate(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	body := `{"updates": [
		{"id": "p01", "stock": 3, "price": 99.9, "promo_price": 0},
		{"id": "nope", "stock": 1},
		{"id": "p02", "title": "改名"},
		7,
		{"stock": 1},
		{"id": "p03", "promo_price": 9999},
		{"id": "p04", "sales_30d": "120", "impressions": 1000, "clicks": 40, "platform": "self"},
		{"id": "p01", "promo_price": 50}
	]}`
	r := do(t, s, "POST", "/api/items/_update", body, adminAuth...)
	if r.status != http.StatusOK {
		t.Fatalf("bulk: %d %s", r.status, r.body)
	}
	var res query.PatchResult
	r.decode(t, &res)
	type rej struct {
		Index int
		ID    string
		Code  string
	}
	var got []rej
	for _, x := range res.Rejected {
		got = append(got, rej{x.Index, x.ID, x.Code})
		if x.Message == "" {
			t.Errorf("rejection %d has no message", x.Index)
		}
	}
	want := []rej{{1, "nope", models.ENOTFOUND}, {2, "p02", models.EINVALID}, {3, "", models.EINVALID}, {4, "", models.EINVALID}, {5, "p03", models.EINVALID}}
	if res.Applied != 3 || !slices.Equal(got, want) {
		t.Fatalf("applied %d rejected %+v; want 3 and %+v\n%s", res.Applied, got, want, r.body)
	}
	if !strings.Contains(r.body, `"message":"title cannot be patched; upsert the item to change text fields"`) {
		t.Errorf("body: %s", r.body)
	}
	if p := getProduct(t, s, "p01"); p.Stock != 3 || p.Price != 99.9 || p.PromoPrice != 50 {
		t.Errorf("p01: %+v", p)
	}
	if p := getProduct(t, s, "p04"); p.Sales30d != 120 || p.Clicks != 40 || p.Platform != models.PlatformSelf {
		t.Errorf("p04: %+v", p)
	}
	if p := getProduct(t, s, "p02"); p.Title != "华为 nova 12 手机 256GB 樱语白" {
		t.Errorf("p02: %+v", p)
	}
	if p := getProduct(t, s, "p03"); p.PromoPrice != 4299 {
		t.Errorf("p03: %+v", p)
	}
	// The next search sees the new price.
	resp := search(t, s, "q="+url.QueryEscape("手机")+"&price_max=100")
	if !slices.Contains(ids(resp), "p01") {
		t.Errorf("price filter after bulk: %v", ids(resp))
	}

	// A bare array works too; all good gives an empty rejected list.
	r = do(t, s, "POST", "/api/items/_update", `[{"id": "p05", "stock": 0}, {"id": "p06", "region_stock": {"sh": 4}}]`, adminAuth...)
	if r.status != 200 || strings.TrimSpace(r.body) != `{"applied":2,"rejected":[]}` {
		t.Errorf("array form: %d %s", r.status, r.body)
	}
	if p := getProduct(t, s, "p06"); p.Stock != 4 || p.RegionStock["sh"] != 4 {
		t.Errorf("p06: %+v", p)
	}
	r = do(t, s, "POST", "/api/items/_update", `{"updates": []}`, adminAuth...)
	if r.status != 200 || strings.TrimSpace(r.body) != `{"applied":0,"rejected":[]}` {
		t.Errorf("no updates: %d %s", r.status, r.body)
	}
}

func TestBulkUpdateBadBodies(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	for _, tc := range []struct{ body, msg string }{
		{``, "the request body is empty"},
		{`5`, `want {"updates": [...]}`},
		{`{"updates": [`, "invalid JSON"},
		{`[1, 2`, "invalid JSON"},
		{`{"updates": {"id": "p01"}}`, `updates: want {"updates": [...]}`},
		{`{"updates": null}`, `updates: want`},
		{`{}`, `updates: want`},
		{`{"updates": [], "dry_run": true}`, `unknown field "dry_run"`},
	} {
		e := do(t, s, "POST", "/api/items/_update", tc.body, adminAuth...).errorOf(t, http.StatusBadRequest, models.EINVALID)
		if !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%q: message %q, want %q", tc.body, e.Message, tc.msg)
		}
	}
}

func TestBulkUpdateCaps(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	many := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"updates":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"p%02d","stock":%d}`, i%30+1, i)
		}
		b.WriteString(`]}`)
		return b.String()
	}
	e := do(t, s, "POST", "/api/items/_update", many(MaxUpdates+1), adminAuth...).errorOf(t, http.StatusRequestEntityTooLarge, models.ETOOLARGE)
	if !strings.Contains(e.Message, "10001 updates in one request; the limit is 10000") {
		t.Errorf("message %q", e.Message)
	}
	if p := getProduct(t, s, "p01"); p.Stock != 50 {
		t.Errorf("an over-cap request applied updates: p01 stock %d", p.Stock)
	}
	r := do(t, s, "POST", "/api/items/_update", many(MaxUpdates), adminAuth...)
	if r.status != 200 || strings.TrimSpace(r.body) != `{"applied":10000,"rejected":[]}` {
		t.Fatalf("at the cap: %d %.200s", r.status, r.body)
	}
	// The last update of p01 (index 9990) wins.
	if p := getProduct(t, s, "p01"); p.Stock != 9990 {
		t.Errorf("p01 stock %d, want 9990", p.Stock)
	}
	small := newServer(t, Config{AdminToken: testToken, MaxBodyBytes: 1000})
	do(t, small, "POST", "/api/items/_update", many(100), adminAuth...).errorOf(t, http.StatusRequestEntityTooLarge, models.ETOOLARGE)
}

// POST /api/items/_update sits next to /api/items/:id: each method has its
// own route tree, so neither shadows the other.
func TestPatchRoutes(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	// An item may be called _update: GET, PATCH and DELETE reach it by id.
	if r := do(t, s, "POST", "/api/items", `{"id": "_update", "title": "名为 _update 的商品", "price": 10}`, adminAuth...); r.status != 200 {
		t.Fatalf("upsert _update: %d %s", r.status, r.body)
	}
	if p := getProduct(t, s, "_update"); p.Price != 10 {
		t.Errorf("GET _update: %+v", p)
	}
	if r := do(t, s, "PATCH", "/api/items/_update", `{"price": 12}`, adminAuth...); r.status != 200 || !strings.Contains(r.body, `"price":12`) {
		t.Errorf("PATCH _update: %d %s", r.status, r.body)
	}
	// POST is the bulk endpoint.
	if r := do(t, s, "POST", "/api/items/_update", `[{"id": "_update", "price": 11}]`, adminAuth...); r.status != 200 || !strings.Contains(r.body, `"applied":1`) {
		t.Errorf("POST _update: %d %s", r.status, r.body)
	}
	if p := getProduct(t, s, "_update"); p.Price != 11 {
		t.Errorf("after bulk: %+v", p)
	}
	if r := do(t, s, "DELETE", "/api/items/_update", "", adminAuth...); r.status != 200 {
		t.Errorf("DELETE _update: %d %s", r.status, r.body)
	}
	do(t, s, "GET", "/api/items/_update", "").errorOf(t, http.StatusNotFound, models.ENOTFOUND)
	do(t, s, "PATCH", "/api/items/_update", `{"price": 1}`, adminAuth...).errorOf(t, http.StatusNotFound, models.ENOTFOUND)
	// Upserts still go to POST /api/items; methods without a route get 405.
	if r := do(t, s, "POST", "/api/items", `{"id": "n1", "title": "测试"}`, adminAuth...); r.status != 200 {
		t.Errorf("upsert: %d %s", r.status, r.body)
	}
	r := do(t, s, "PUT", "/api/items/p01", "{}", adminAuth...)
	r.errorOf(t, http.StatusMethodNotAllowed, codeMethodNotAllowed)
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "PATCH") {
		t.Errorf("Allow %q lacks PATCH", allow)
	}
	do(t, s, "PATCH", "/api/items", `{"stock": 1}`, adminAuth...).errorOf(t, http.StatusMethodNotAllowed, codeMethodNotAllowed)
	do(t, s, "POST", "/api/items/p01", `{"stock": 1}`, adminAuth...).errorOf(t, http.StatusMethodNotAllowed, codeMethodNotAllowed)
}
