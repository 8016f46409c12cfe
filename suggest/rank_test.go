package suggest

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestRankingBySearches checks that what shoppers search ranks first, that
// old searches count less, and that logged queries must find items.
func TestRankingBySearches(t *testing.T) {
	products := sampleProducts(t)
	counts := map[string]int{"手机壳 防摔": 12, "手机膜 钢化": 0}
	count := func(q string) int { return counts[q] }
	tests := []struct {
		name     string
		searches map[string]int // query → searches today
		old      map[string]int // query → searches 28 days ago (four half-lives)
		q, first string
		absent   string
	}{
		{name: "catalog only", q: "手机", first: "手机"},
		{name: "searched word first", searches: map[string]int{"手机膜": 30}, q: "手机", first: "手机膜"},
		{name: "logged query that finds items", searches: map[string]int{"手机壳 防摔": 50}, q: "手机壳", first: "手机壳 防摔"},
		{name: "logged query that finds nothing", searches: map[string]int{"手机膜 钢化": 500}, q: "手机膜", first: "手机膜", absent: "手机膜 钢化"},
		{name: "decay: recent beats old", searches: map[string]int{"手机支架": 10}, old: map[string]int{"手机膜": 40}, q: "手机", first: "手机支架"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			log := NewMemLog(0, 7)
			for q, n := range tc.searches {
				for range n {
					log.Observe(q, -1, testNow)
				}
			}
			for q, n := range tc.old {
				for range n {
					log.Observe(q, -1, testNow.AddDate(0, 0, -28))
				}
			}
			s := newBuilt(t, Config{}, Deps{Log: log, Count: count, Words: sampleWords}, products)
			r := mustSuggest(t, s, Request{Q: tc.q})
			if len(r.Suggestions) == 0 || r.Suggestions[0].Text != tc.first {
				t.Errorf("%q: %s; want %s first", tc.q, join(texts(r)), tc.first)
			}
			if _, ok := find(r, tc.absent); tc.absent != "" && ok {
				t.Errorf("%q: %s; want no %s", tc.q, join(texts(r)), tc.absent)
			}
		})
	}
}

// TestCountTrustsCatalog checks that Count is applied to logged queries
// only: catalog candidates stay when it says zero for everything.
func TestCountTrustsCatalog(t *testing.T) {
	log := NewMemLog(0, 7)
	log.Observe("手机壳 防摔", -1, testNow)
	s := newBuilt(t, Config{}, Deps{Log: log, Count: func(string) int { return 0 }, Words: sampleWords}, sampleProducts(t))
	r := mustSuggest(t, s, Request{Q: "手机壳"})
	if _, ok := find(r, "手机壳"); !ok {
		t.Errorf("手机壳: %s; want the catalog's 手机壳", join(texts(r)))
	}
	if _, ok := find(r, "手机壳 防摔"); ok {
		t.Errorf("手机壳: %s; want no logged query Count rejects", join(texts(r)))
	}
	// Without Count, the log's own result counts decide.
	log.Observe("手机壳 硅胶", 7, testNow)
	s = newBuilt(t, Config{}, Deps{Log: log, Words: sampleWords}, sampleProducts(t))
	r = mustSuggest(t, s, Request{Q: "手机壳"})
	if _, ok := find(r, "手机壳 硅胶"); !ok {
		t.Errorf("手机壳: %s; want 手机壳 硅胶 (7 results logged)", join(texts(r)))
	}
	if _, ok := find(r, "手机壳 防摔"); ok {
		t.Errorf("手机壳: %s; want no 手机壳 防摔 (results unknown, no Count)", join(texts(r)))
	}
}

func TestPersonalBoost(t *testing.T) {
	var asked []string
	recent := func(user string) []string {
		asked = append(asked, user)
		if user == "u1" {
			return []string{"数码>手机配件>贴膜"}
		}
		return nil
	}
	// The boost must beat the sample's large gaps in static score.
	cfg := DefaultConfig()
	cfg.Weights.Personal = 0.5
	s := newBuilt(t, cfg, Deps{Recent: recent, Words: sampleWords}, sampleProducts(t))
	// 手机膜 is in 数码>手机配件>贴膜; 手机 and 手机壳 are not.
	before := func(r Response, a, b string) bool {
		i, j := slices.Index(texts(r), a), slices.Index(texts(r), b)
		return i >= 0 && (j < 0 || i < j)
	}
	plain := mustSuggest(t, s, Request{Q: "手机"})
	if before(plain, "手机膜", "手机") || before(plain, "手机膜", "手机壳") {
		t.Fatalf("手机 without a boost: %s; want 手机膜 after 手机 and 手机壳", join(texts(plain)))
	}
	tests := []struct {
		name string
		req  Request
	}{
		{"categories", Request{Q: "手机", Categories: []string{"数码>手机配件>贴膜"}}},
		{"category prefix", Request{Q: "sj", Categories: []string{"数码>手机配件>贴膜"}}},
		{"user's recent categories", Request{Q: "手机", User: "u1"}},
	}
	for _, tc := range tests {
		r := mustSuggest(t, s, tc.req)
		if !before(r, "手机膜", "手机") || !before(r, "手机膜", "手机壳") {
			t.Errorf("%s: %s; want 手机膜 before 手机 and 手机壳", tc.name, join(texts(r)))
		}
	}
	// A path prefix must end at a level boundary: 数码>手机配 is no category.
	r := mustSuggest(t, s, Request{Q: "手机", Categories: []string{"数码>手机配"}})
	if !slices.Equal(texts(r), texts(plain)) {
		t.Errorf("partial level: %s; want %s", join(texts(r)), join(texts(plain)))
	}
	if !slices.Contains(asked, "u1") {
		t.Errorf("Recent was not asked for u1")
	}
}

func TestHot(t *testing.T) {
	log := NewMemLog(0, 7)
	for q, n := range map[string]int{"蓝牙耳机": 30, "手机壳": 20, "行李箱": 10} {
		for range n {
			log.Observe(q, 5, testNow)
		}
	}
	s := newBuilt(t, Config{HotSize: 5}, Deps{Log: log, Words: sampleWords}, sampleProducts(t))
	h := s.Hot()
	if len(h.Hot) != 5 || !slices.Equal(h.Hot[:3], []string{"蓝牙耳机", "手机壳", "行李箱"}) {
		t.Errorf("hot = %v; want 蓝牙耳机 手机壳 行李箱 first, 5 in all", h.Hot)
	}
	if h.Hint != "蓝牙耳机" {
		t.Errorf("hint = %q; want the top hot search", h.Hint)
	}
	r := mustSuggest(t, s, Request{Q: "  ", N: 3})
	if !slices.Equal(texts(r), []string{"蓝牙耳机", "手机壳", "行李箱"}) || r.Suggestions[0].Match != MatchHot {
		t.Errorf("empty q: %+v; want the hot searches", r.Suggestions)
	}

	// With no searches yet, the best catalog words stand in, never a bare
	// category name.
	s = newBuilt(t, Config{HotSize: 10}, Deps{Words: sampleWords}, sampleProducts(t))
	if h := s.Hot(); len(h.Hot) != 10 || h.Hint == "" {
		t.Errorf("hot without searches = %+v; want 10 and a hint", h)
	}
}

func TestMemLog(t *testing.T) {
	l := NewMemLog(10, 7)
	l.Observe("a", 3, testNow)
	l.Observe("a", 3, testNow)
	l.Observe("zero", 0, testNow) // found nothing: not counted
	l.Observe("b", -1, testNow.AddDate(0, 0, -7))
	l.Observe("b", -1, testNow.AddDate(0, 0, -7))
	top := l.Top(10, testNow)
	want := []Logged{{"a", 2, 3}, {"b", 1, -1}} // b halved after one half-life
	if !slices.Equal(top, want) {
		t.Errorf("Top = %v; want %v", top, want)
	}
	if got := l.Top(10, testNow.AddDate(0, 0, 14)); got[0].Count != 0.5 {
		t.Errorf("a two half-lives later = %v; want 0.5", got[0].Count)
	}
	// Over capacity, the least searched go.
	for i := range 20 {
		q := string(rune('c' + i))
		for range i + 1 {
			l.Observe(q, 1, testNow)
		}
	}
	if n := l.Len(); n > 10 {
		t.Errorf("Len = %d; want at most the capacity 10", n)
	}
	if top := l.Top(1, testNow); top[0].Query != string(rune('c'+19)) {
		t.Errorf("top after pruning = %v; want the most searched", top)
	}
}

func TestObserveSkips(t *testing.T) {
	log := NewMemLog(0, 7)
	s, err := New(Config{}, Deps{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"", "  ", `"手机壳"`, "手机 -壳", "-手机", string(make([]rune, 51))} {
		s.Observe(q, 5, testNow)
	}
	s.Observe("手机", 0, testNow)
	if n := log.Len(); n != 0 {
		t.Errorf("log holds %d queries (%v); want none", n, log.Top(10, testNow))
	}
	s.Observe(" 藍牙  耳機 ", 5, testNow)
	if top := log.Top(1, testNow); len(top) != 1 || top[0].Query != "蓝牙 耳机" {
		t.Errorf("log = %v; want the normalised 蓝牙 耳机", top)
	}
}

// TestRun checks the background loop: it builds at once, rebuilds when the
// configuration changes, and stops with its context.
func TestRun(t *testing.T) {
	s, err := New(Config{DataDir: t.TempDir(), Interval: time.Hour}, Deps{
		Products: slices.Values(sampleProducts(t)),
		Now:      func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Run(ctx)
		close(done)
	}()
	waitFor(t, func() bool { return s.Stats().Candidates > 0 })
	if _, err := s.SetMerch(Merch{Allow: []string{"年货节"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		_, ok := find(mustSuggest(t, s, Request{Q: "nhj"}), "年货节")
		return ok
	})
	cancel()
	<-done
}

// waitFor polls cond until it holds; the test's own deadline bounds it.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}

// TestCountRemembered checks that a build reuses Count's answers within
// CountTTL and asks again after it.
func TestCountRemembered(t *testing.T) {
	now := testNow
	asked := map[string]int{}
	log := NewMemLog(0, 7)
	log.Observe("手机壳 防摔", -1, now)
	s, err := New(Config{CountTTL: time.Hour}, Deps{
		Log:   log,
		Count: func(q string) int { asked[q]++; return 3 },
		Now:   func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, step := range []time.Duration{0, 30 * time.Minute, 31 * time.Minute} {
		now = now.Add(step)
		if _, err := s.Rebuild(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := []int{1, 1, 2}[i]
		if asked["手机壳 防摔"] != want {
			t.Errorf("build %d: Count asked %d times; want %d", i+1, asked["手机壳 防摔"], want)
		}
	}
}
