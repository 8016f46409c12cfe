package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/server"
	"shopsearch/suggest"
)

// TestServeRecommend serves the demo catalog (no recall model: the catalog
// recallers carry every scene) and checks each scene's filters and
// fallbacks, a new shopper, personalisation from a click, a purchase
// changing the next slot at once, exposure dedupe and validation.
func TestServeRecommend(t *testing.T) {
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const token = "t0ken"
	m := NewMain(ServeConfig{DataDir: t.TempDir(), Addr: "127.0.0.1:0", AdminToken: token, Stdout: &stdout, Stderr: &stderr})
	if err := m.Run(ctx); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	defer m.Close()
	base := "http://" + m.Addr()
	rec := func(params url.Values) server.RecResponse {
		t.Helper()
		var r server.RecResponse
		getJSON(t, base+"/api/recommend?"+params.Encode(), &r)
		return r
	}
	ids := func(r server.RecResponse) []string {
		var out []string
		for _, it := range r.Items {
			out = append(out, it.ID)
		}
		return out
	}
	item := func(id string) models.Product {
		t.Helper()
		var p models.Product
		getJSON(t, base+"/api/items/"+url.PathEscape(id), &p)
		return p
	}
	post := func(body string) {
		t.Helper()
		resp, err := http.Post(base+"/api/events", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /api/events %s: %s", body, resp.Status)
		}
	}
	leaf := func(c string) string { return c[strings.LastIndex(c, ">")+1:] }

	// A new shopper: a full slot of buyable items, with an impression id.
	home := rec(url.Values{"scene": {"home"}, "session": {"new"}, "n": {"8"}})
	if len(home.Items) != 8 || home.ImpressionID == "" || home.Slot != "home" {
		t.Fatalf("home of a new shopper: %+v", home)
	}
	for _, it := range home.Items {
		if it.Stock == "out_of_stock" {
			t.Errorf("home shows %s, out of stock", it.ID)
		}
	}

	// Find a phone case and follow one shopper.
	var sr struct {
		Items []struct{ ID, Category string }
	}
	getJSON(t, base+"/api/search?q="+url.QueryEscape("手机壳")+"&in_stock=true", &sr)
	if len(sr.Items) == 0 {
		t.Skip("the demo catalog has no phone case")
	}
	x := sr.Items[0]
	post(fmt.Sprintf(`[{"type":"click","session_id":"s1","item_id":%q}]`, x.ID))
	mine := rec(url.Values{"scene": {"home"}, "session": {"s1"}, "n": {"8"}})
	same := 0
	for _, it := range mine.Items {
		if it.Category == x.Category {
			same++
		}
	}
	if same == 0 {
		t.Errorf("after a click on %s (%s), home has nothing of its category: %v", x.ID, x.Category, ids(mine))
	}
	if same == len(mine.Items) {
		t.Errorf("home after one click is all one category: %v", ids(mine))
	}

	// Suggest's personal boost reads the same behaviour: a suggestion of the
	// clicked item's category scores more for this shopper.
	score := func(user string) map[string]float64 {
		var r suggest.Response
		getJSON(t, base+"/api/suggest?q="+url.QueryEscape("手机")+"&n=20&user="+user, &r)
		out := map[string]float64{}
		for _, s := range r.Suggestions {
			out[s.Text] = s.Score
		}
		return out
	}
	deadline := time.Now().Add(60 * time.Second) // the first suggest build runs in the background
	for len(score("nobody")) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	anon, personal := score("nobody"), score("s1")
	boosted := false
	for text, sc := range personal {
		boosted = boosted || sc > anon[text]
	}
	if !boosted {
		t.Errorf("suggest for 手机: no suggestion boosted for the shopper who clicked %s (%s): %v vs %v", x.ID, x.Category, personal, anon)
	}

	// A search the store counted (the storefront reports searches as
	// events; with Redis, every replica's) is a suggestion after a rebuild,
	// though this process never served it.
	const reported = "硅胶 手机壳"
	post(fmt.Sprintf(`[{"type":"search","session_id":"s1","query":%q,"results":3}]`, reported))
	if r := do(t, "POST", base+"/api/admin/suggest/rebuild", "", token); r.StatusCode != 200 {
		t.Fatalf("rebuild: %s", r.Status)
	}
	var sg suggest.Response
	getJSON(t, base+"/api/suggest?n=20&q="+url.QueryEscape("硅胶"), &sg)
	if !slices.ContainsFunc(sg.Suggestions, func(s suggest.Suggestion) bool { return s.Text == reported }) {
		t.Errorf("a search reported as an event is not suggested: %+v", sg.Suggestions)
	}

	// A purchase leaves the next slot at once.
	bought := ""
	for _, it := range mine.Items {
		if it.Category == x.Category {
			bought = it.ID
			break
		}
	}
	post(fmt.Sprintf(`[{"type":"purchase","session_id":"s1","item_id":%q,"quantity":1,"amount":10}]`, bought))
	if after := ids(rec(url.Values{"scene": {"home"}, "session": {"s1"}, "n": {"8"}})); slices.Contains(after, bought) {
		t.Errorf("home still shows %s right after it was bought: %v", bought, after)
	}

	// Detail: never the item itself; its category first.
	det := rec(url.Values{"scene": {"detail"}, "item": {x.ID}, "n": {"6"}})
	if len(det.Items) == 0 || slices.Contains(ids(det), x.ID) || det.Items[0].Category != x.Category {
		t.Errorf("detail of %s: %+v", x.ID, det.Items)
	}

	// Cart: complements, not the cart's items nor substitutes of them.
	cart := rec(url.Values{"scene": {"cart"}, "cart": {x.ID}, "n": {"6"}})
	if len(cart.Items) != 6 {
		t.Errorf("cart slot has %d items, want 6", len(cart.Items))
	}
	for _, it := range cart.Items {
		if it.ID == x.ID || leaf(it.Category) == leaf(x.Category) {
			t.Errorf("cart slot offers %s (%s) beside %s (%s)", it.ID, it.Category, x.ID, x.Category)
		}
	}

	// Region: everything delivers there.
	for _, it := range rec(url.Values{"scene": {"home"}, "session": {"new"}, "region": {"bj"}, "n": {"10"}}).Items {
		if p := item(it.ID); len(p.Regions) > 0 && !slices.Contains(p.Regions, "bj") {
			t.Errorf("home for bj shows %s, delivered only to %v", it.ID, p.Regions)
		}
	}

	// Exposure: what the slot showed (the storefront reports impressions)
	// makes way for others while there are others.
	first := rec(url.Values{"scene": {"home"}, "session": {"s2"}, "n": {"5"}})
	shown := ids(first)
	post(fmt.Sprintf(`[{"type":"impression","session_id":"s2","scene":"home","slot":"home","impression_id":%q,"items":["%s"]}]`,
		first.ImpressionID, strings.Join(shown, `","`)))
	next := ids(rec(url.Values{"scene": {"home"}, "session": {"s2"}, "n": {"5"}}))
	for _, id := range next {
		if slices.Contains(shown, id) {
			t.Errorf("home shows %s again right after showing it (shown %v, now %v)", id, shown, next)
		}
	}

	// Zero result: the failed query's likely category.
	zr := rec(url.Values{"scene": {"zero_result"}, "q": {"手机壳 不存在的型号xyz"}, "n": {"4"}})
	if len(zr.Items) != 4 {
		t.Errorf("zero-result slot: %+v", zr.Items)
	}

	// A slot rule switches the home slot to a promotion-day profile today.
	put := func(path, body string) {
		t.Helper()
		req, _ := http.NewRequest("PUT", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("PUT %s: %s", path, resp.Status)
		}
	}
	put("/api/admin/profiles/promo-day", `{"weights":{"text":1,"promo":0.8},"author":"alice","note":"11.11"}`)
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	put("/api/admin/selection", fmt.Sprintf(`{"author":"alice","slots":[{"profile":"promo-day","scenes":["home"],"dates":[%q]}]}`, today))
	if got := rec(url.Values{"scene": {"home"}, "n": {"3"}}).Profile; got != "promo-day" {
		t.Errorf("home slot on the promotion day: profile %q", got)
	}
	if got := rec(url.Values{"scene": {"cart"}, "cart": {x.ID}, "n": {"3"}}).Profile; got != "default" {
		t.Errorf("cart slot, which no rule names: profile %q", got)
	}

	// Validation and the admin-only explain.
	for _, tc := range []struct {
		params string
		status int
	}{
		{"scene=bogus", 400}, {"", 400}, {"scene=detail", 400}, {"scene=home&n=0", 400}, {"scene=home&n=51", 400},
		{"scene=home&device=tv", 400}, {"scene=home&user=" + strings.Repeat("u", 129), 400},
		{"scene=home&explain=true", 401},
	} {
		if r := do(t, "GET", base+"/api/recommend?"+tc.params, "", ""); r.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.params, r.StatusCode, tc.status)
		}
	}
	req, _ := http.NewRequest("GET", base+"/api/recommend?scene=home&explain=true&n=2", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("explain with the token: %s", resp.Status)
	}
}

// BenchmarkRecommend answers home, detail and cart slots of 10 on the demo
// catalog through the HTTP handler in process (no network): the behaviour
// store read, recall, blend and rerank. It reports p50 and p99.
//
//	go test ./cmd/shopsearch -run XXX -bench BenchmarkRecommend -benchtime 3000x
func BenchmarkRecommend(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := NewMain(ServeConfig{DataDir: b.TempDir(), Addr: "127.0.0.1:0"})
	if err := m.Run(ctx); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	h := m.http.Handler
	var ids []string
	m.engine.Store().Scan(func(p *models.Product) error {
		if len(ids) < 200 {
			ids = append(ids, p.ID)
		}
		return nil
	})
	// Shoppers with some history.
	for u := range 20 {
		var evs []string
		for k := range 5 {
			evs = append(evs, fmt.Sprintf(`{"type":"click","session_id":"u%d","item_id":%q}`, u, ids[(u*7+k*13)%len(ids)]))
		}
		req := httptest.NewRequest("POST", "/api/events", strings.NewReader("["+strings.Join(evs, ",")+"]"))
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	var lat []time.Duration
	b.ResetTimer()
	i := 0
	for b.Loop() {
		var target string
		switch i % 3 {
		case 0:
			target = fmt.Sprintf("/api/recommend?scene=home&session=u%d&n=10", i%20)
		case 1:
			target = "/api/recommend?scene=detail&n=10&item=" + url.QueryEscape(ids[i%len(ids)])
		default:
			target = "/api/recommend?scene=cart&n=10&cart=" + url.QueryEscape(ids[i%len(ids)])
		}
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		lat = append(lat, time.Since(start))
		if w.Code != 200 {
			b.Fatalf("%s: %d %s", target, w.Code, w.Body.String())
		}
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
