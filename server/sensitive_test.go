package server

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/store"
)

// sensitiveServer serves a catalog with a drug, two contraceptives, a
// beer and everyday items, its slots recalling all of them.
func sensitiveServer(t *testing.T, list *SensitiveList) *Server {
	t.Helper()
	ps := []models.Product{
		{ID: "d1", Title: "利宁格 格列齐特缓释片 30mg*30片/盒", Category: "其他>格列齐特缓释片", Price: 30, Sales30d: 900},
		{ID: "c1", Title: "冈本 安全套 超薄", Category: "其他>避孕套", Price: 50, Sales30d: 800},
		{ID: "c2", Title: "悦可婷 左炔诺孕酮炔雌醚片 长效避孕药", Category: "其他>其他商品", Price: 40, Sales30d: 700},
		{ID: "c3", Title: "杜蕾斯 避孕套 12只", Category: "其他>避孕套", Price: 60, Sales30d: 650},
		{ID: "b1", Title: "科罗娜啤酒 330ml*24瓶", Category: "啤酒", Price: 120, Sales30d: 600},
		{ID: "p1", Title: "华为 手机", Category: "手机数码>手机", Price: 2999, Sales30d: 500},
		{ID: "p2", Title: "手机壳 硅胶", Category: "手机数码>手机壳", Price: 19.9, Sales30d: 400},
	}
	dir := t.TempDir()
	if _, err := indexer.Build(dir, ps, indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	e, err := query.Open(dir, dict.Default(), query.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	s := New(Config{AdminToken: testToken, ErrorLog: testWriter{t}}, e)
	s.WithRecommend(RecommendDeps{Scenes: staticScenes("d1", "c1", "c2", "c3", "b1", "p1", "p2"), Sensitive: list})
	return s
}

func slotIDs(t *testing.T, s *Server, params string) []string {
	t.Helper()
	var r RecResponse
	do(t, s, "GET", "/api/recommend?n=10&"+params, "").decode(t, &r)
	var ids []string
	for _, it := range r.Items {
		ids = append(ids, it.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestSlotsLeaveOutSensitiveCategories(t *testing.T) {
	s := sensitiveServer(t, nil) // the defaults
	for _, tc := range []struct{ params, want string }{
		{"scene=home", "b1 p1 p2"}, // alcohol is off by default
		{"scene=cart&cart=p1", "b1 p2"},
		{"scene=order_complete&cart=p1", "b1 p2"},
		{"scene=zero_result&q=zzz", "b1 p1 p2"},
		{"scene=detail&item=p1", "b1 p2"},
		// A contraceptive's page: contraceptives, but not the pill, which is
		// a drug as well (a drug class keyword in its title).
		{"scene=detail&item=c1", "b1 c3 p1 p2"},
	} {
		if got := strings.Join(slotIDs(t, s, tc.params), " "); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.params, got, tc.want)
		}
	}
	// Search is never filtered.
	if r := do(t, s, "GET", "/api/search?q=安全套", ""); r.status != 200 || !strings.Contains(r.body, `"c1"`) {
		t.Errorf("search 安全套: %d %s", r.status, r.body)
	}
}

func TestSensitiveAPI(t *testing.T) {
	st, err := store.OpenEmbedded(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := NewSensitiveList(st)
	if err != nil {
		t.Fatal(err)
	}
	s := sensitiveServer(t, list)
	auth := []string{"Authorization", "Bearer " + testToken}
	if r := do(t, s, "GET", "/api/admin/sensitive", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("without the token: %d", r.status)
	}
	var doc SensitiveDoc
	do(t, s, "GET", "/api/admin/sensitive", "", auth...).decode(t, &doc)
	if doc.Version != 0 || len(doc.Policy.Classes) != 6 {
		t.Fatalf("the defaults: version %d, %d classes", doc.Version, len(doc.Policy.Classes))
	}
	var m struct {
		Classes []SensitiveMatch `json:"classes"`
	}
	do(t, s, "GET", "/api/admin/sensitive/matches", "", auth...).decode(t, &m)
	counts := map[string]int{}
	for _, c := range m.Classes {
		counts[c.Class] = c.Count
	}
	if counts["drugs"] != 2 || counts["contraception"] != 2 || counts["alcohol"] != 1 { // 悦可婷's "避孕药" reads as a drug first
		t.Errorf("matches: %v", counts)
	}

	for _, bad := range []string{
		`{"policy":{"classes":[{"name":"a","title_patterns":["("]}]}}`,
		`{"policy":{"classes":[{"name":""}]}}`,
		`{"policy":{},"bogus":1}`,
	} {
		if r := do(t, s, "PUT", "/api/admin/sensitive", bad, auth...); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
	// Enable alcohol in Xi'an only: the home slot of xa loses the beer.
	body := `{"version":0,"author":"alice","note":"陕西禁酒（测试）","policy":{"scenes":["home"],"classes":[{"name":"alcohol","enabled":true,"regions":["xa"],"leaf_keywords":["啤酒"]}]}}`
	if r := do(t, s, "PUT", "/api/admin/sensitive", body, auth...); r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	if got := strings.Join(slotIDs(t, s, "scene=home&region=xa"), " "); got != "c1 c2 c3 d1 p1 p2" {
		t.Errorf("home in xa after the edit: %s (only alcohol is listed now)", got)
	}
	if got := strings.Join(slotIDs(t, s, "scene=home&region=sh"), " "); got != "b1 c1 c2 c3 d1 p1 p2" {
		t.Errorf("home in sh after the edit: %s", got)
	}
	if r := do(t, s, "PUT", "/api/admin/sensitive", body, auth...); r.status != http.StatusConflict {
		t.Errorf("a stale version: %d %s", r.status, r.body)
	}
	var hist struct{ Versions []SensitiveDoc }
	do(t, s, "GET", "/api/admin/sensitive/history", "", auth...).decode(t, &hist)
	if len(hist.Versions) != 1 || hist.Versions[0].Author != "alice" {
		t.Errorf("history: %+v", hist.Versions)
	}
	// Another replica reads what was saved.
	other, err := NewSensitiveList(st)
	if err != nil {
		t.Fatal(err)
	}
	if other.Current().Version != 1 {
		t.Errorf("another replica sees version %d", other.Current().Version)
	}
}
