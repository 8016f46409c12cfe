package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shopsearch/dict"
	"shopsearch/models"
	"shopsearch/suggest"
)

// newSuggestServer returns a server with suggest over the test catalog,
// its index built, and the suggester's data directory.
func newSuggestServer(t *testing.T, cfg Config) (*Server, *suggest.Suggester, string) {
	t.Helper()
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = testWriter{t}
	}
	dir := t.TempDir()
	sg, err := suggest.New(suggest.Config{DataDir: dir}, suggest.Deps{Products: slices.Values(testProducts()), Words: lexiconWords})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sg.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	return NewWithSuggest(cfg, newEngine(t), sg), sg, dir
}

// lexiconWords is suggest's Deps.Words as the service wires it: the
// product nouns of the embedded lexicon that a title names.
func lexiconWords(title string) []string { return dict.DefaultLexicon().Products(title) }

func TestSuggestRoute(t *testing.T) {
	s, _, _ := newSuggestServer(t, Config{})
	tests := []struct {
		name, params string
		want, match  string // a suggestion that must be there, and how it matched
		max          int
	}{
		{"prefix", "q=手", "手机壳", suggest.MatchPrefix, 10},
		{"pinyin", "q=shouj", "手机", suggest.MatchPinyin, 10},
		{"initials", "q=sjk", "手机壳", suggest.MatchInitials, 10},
		{"mixed", "q=华为sj", "华为手机", suggest.MatchMixed, 10},
		{"traditional", "q=藍牙", "蓝牙耳机", suggest.MatchPrefix, 10},
		{"fuzzy", "q=shuoji", "手机", suggest.MatchFuzzy, 10},
		{"n", "q=手&n=2", "", "", 2},
		{"empty q: hot", "q=", "", suggest.MatchHot, 10},
		{"no q: hot", "", "", suggest.MatchHot, 10},
		{"user and categories", "q=sj&user=u1&cat=数码>手机配件&cat=数码>手机", "手机壳", suggest.MatchInitials, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, "GET", "/api/suggest?"+tc.params, "")
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var resp suggest.Response
			r.decode(t, &resp)
			if len(resp.Suggestions) == 0 || len(resp.Suggestions) > tc.max {
				t.Fatalf("%d suggestions; want 1 to %d: %s", len(resp.Suggestions), tc.max, r.body)
			}
			for _, sg := range resp.Suggestions {
				if sg.Categories == nil || sg.Text == "" || sg.Match == "" {
					t.Errorf("suggestion %+v; want text, categories ([] at least) and match", sg)
				}
				if tc.want == "" && tc.match != "" && sg.Match != tc.match {
					t.Errorf("suggestion %+v; want match %s", sg, tc.match)
				}
			}
			if tc.want == "" {
				return
			}
			i := slices.IndexFunc(resp.Suggestions, func(s suggest.Suggestion) bool { return s.Text == tc.want })
			if i < 0 || resp.Suggestions[i].Match != tc.match {
				t.Errorf("%s; want %s by %s", r.body, tc.want, tc.match)
			}
		})
	}
	// The JSON shape.
	r := do(t, s, "GET", "/api/suggest?q=手机壳", "")
	for _, key := range []string{`"q":"手机壳"`, `"suggestions":[{"text":"手机壳","categories":["手机配件"]`, `"score":`, `"match":"prefix"`} {
		if !strings.Contains(r.body, key) {
			t.Errorf("body %s lacks %s", r.body, key)
		}
	}
}

func TestSuggestRouteErrors(t *testing.T) {
	s, _, _ := newSuggestServer(t, Config{})
	for _, params := range []string{
		"q=手&n=0", "q=手&n=21", "q=手&n=x", "q=手&n=-1", "q=" + strings.Repeat("手", 51),
		"q=手&q=机", "q=%ff", "q=a%01b", "q=手&user=" + strings.Repeat("u", 129),
		"q=手" + strings.Repeat("&cat=a", 21), "q=%zz",
	} {
		r := do(t, s, "GET", "/api/suggest?"+params, "")
		r.errorOf(t, http.StatusBadRequest, models.EINVALID)
	}
	r := do(t, s, "POST", "/api/suggest?q=手", "")
	r.errorOf(t, http.StatusMethodNotAllowed, codeMethodNotAllowed)
}

func TestHotRoute(t *testing.T) {
	s, _, _ := newSuggestServer(t, Config{})
	r := do(t, s, "GET", "/api/hot", "")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var h suggest.Hot
	r.decode(t, &h)
	if len(h.Hot) == 0 || h.Hint == "" || h.Hint != h.Hot[0] {
		t.Errorf("hot = %+v; want hot searches and the first as the hint", h)
	}
}

func TestSuggestAdmin(t *testing.T) {
	s, _, dir := newSuggestServer(t, Config{AdminToken: testToken})
	auth := []string{"Authorization", "Bearer " + testToken}
	for _, route := range [][2]string{{"GET", "/api/admin/suggest/config"}, {"PUT", "/api/admin/suggest/config"}, {"POST", "/api/admin/suggest/rebuild"}} {
		do(t, s, route[0], route[1], "{}").errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
		do(t, s, route[0], route[1], "{}", "Authorization", "Bearer wrong").errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
	}
	r := do(t, s, "GET", "/api/admin/suggest/config", "", auth...)
	if r.status != http.StatusOK || !strings.Contains(r.body, `"deny":[]`) || !strings.Contains(r.body, `"version":0`) {
		t.Fatalf("GET config: %d %s; want the empty configuration", r.status, r.body)
	}
	for _, body := range []string{"", "{", `{"deny":"手机壳"}`, `{"denny":["手机壳"]}`, `{"deny":["手机壳"]} {}`, `{"deny":[""]}`, `{"hint":"` + strings.Repeat("长", 51) + `"}`} {
		do(t, s, "PUT", "/api/admin/suggest/config", body, auth...).errorOf(t, http.StatusBadRequest, models.EINVALID)
	}
	cfg := `{"hint":"年货节","hot_pins":["年货节"],"deny":["手机壳"],"pins":[{"input":"手机","text":"华为手机"}]}`
	r = do(t, s, "PUT", "/api/admin/suggest/config", cfg, auth...)
	if r.status != http.StatusOK || !strings.Contains(r.body, `"version":1`) {
		t.Fatalf("PUT config: %d %s", r.status, r.body)
	}
	if _, err := os.Stat(filepath.Join(dir, suggest.ConfigFile)); err != nil {
		t.Errorf("config not saved: %v", err)
	}
	r = do(t, s, "GET", "/api/suggest?q=手机", "")
	var resp suggest.Response
	r.decode(t, &resp)
	if len(resp.Suggestions) == 0 || resp.Suggestions[0].Text != "华为手机" || strings.Contains(r.body, `"text":"手机壳"`) {
		t.Errorf("after PUT: %s; want 华为手机 pinned first and no 手机壳", r.body)
	}
	var h suggest.Hot
	do(t, s, "GET", "/api/hot", "").decode(t, &h)
	if h.Hint != "年货节" || len(h.Hot) == 0 || h.Hot[0] != "年货节" {
		t.Errorf("hot after PUT = %+v", h)
	}
	r = do(t, s, "POST", "/api/admin/suggest/rebuild", "", auth...)
	var st suggest.BuildStats
	r.decode(t, &st)
	if r.status != http.StatusOK || st.Candidates == 0 || st.Keys == 0 {
		t.Errorf("rebuild: %d %s", r.status, r.body)
	}
}

// observer records Observe calls.
type observer struct {
	mu  sync.Mutex
	got []string
}

func (o *observer) Observe(q string, results int, _ time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, q+"="+strings.Repeat("+", max(results, 0))+map[bool]string{true: "?"}[results < 0])
}

func TestObserveSearches(t *testing.T) {
	s := newServer(t, Config{})
	obs := &observer{}
	h := ObserveSearches(s.Handler(), obs, nil)
	for _, target := range []string{
		"/api/search?q=鼠标",        // 1 result
		"/api/search?q=鼠标&page=2", // not the first page
		"/api/search?q=没有的东西xyz",  // 0 results
		"/api/search?q=鼠标&size=0", // invalid: 400
		"/api/search",             // no query
		"/api/items/p01",          // not a search
		"/api/search?q=罗技&page=1", // first page named
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
	}
	want := []string{"鼠标=+", "没有的东西xyz=", "罗技=+"}
	if !slices.Equal(obs.got, want) {
		t.Errorf("observed %q; want %q", obs.got, want)
	}
}

func TestSearchTotal(t *testing.T) {
	tests := []struct {
		body string
		want int
	}{
		{`{"query":"手机","total":42,"page":1}`, 42},
		{`{"query":"a,\"total\":7","total":3}`, 3},
		{`{"query":"手机","total":0}`, 0},
		{`{"code":"invalid"}`, -1},
		{`{"query":"x","total":}`, -1},
	}
	for _, tc := range tests {
		if got := searchTotal([]byte(tc.body)); got != tc.want {
			t.Errorf("searchTotal(%s) = %d; want %d", tc.body, got, tc.want)
		}
	}
}
