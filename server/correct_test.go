package server

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSearchCorrectsPinyinAndTypos(t *testing.T) {
	s, sg, _ := newSuggestServer(t, Config{})
	// 手机壳 is searched far more than 手机, but "shouji" is the whole of
	// 手机's pinyin, only the start of 手机壳's.
	for range 50 {
		sg.Observe("手机壳", 3, time.Now())
	}
	if _, err := sg.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	type body struct {
		Query      string
		Total      int
		Correction *Correction
	}
	get := func(params url.Values) body {
		t.Helper()
		r := do(t, s, "GET", "/api/search?"+params.Encode(), "")
		if r.status != 200 {
			t.Fatalf("%v: status %d: %s", params, r.status, r.body)
		}
		var b body
		r.decode(t, &b)
		return b
	}
	for _, tc := range []struct {
		name, q, to string
	}{
		{"full pinyin", "shouji", "手机"},
		{"pinyin with a space", "shou ji", "手机"},
		{"pinyin typo", "shuoji", "手机"},
		{"initials: what suggest offers first", "sjk", "手机壳"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := get(url.Values{"q": {tc.q}})
			if b.Correction == nil || b.Correction.From != tc.q || b.Correction.To != tc.to || b.Total == 0 || b.Query != b.Correction.To {
				t.Errorf("%q: got %+v", tc.q, b)
			}
		})
	}
	// As typed: nothing, and no correction.
	if b := get(url.Values{"q": {"shouji"}, "correct": {"false"}}); b.Correction != nil || b.Total != 0 {
		t.Errorf("correct=false: %+v", b)
	}
	// A query that finds items is never corrected.
	if b := get(url.Values{"q": {"手机"}}); b.Correction != nil || b.Total == 0 {
		t.Errorf("手机: %+v", b)
	}
	// Nothing to correct to: the empty result as it is.
	if b := get(url.Values{"q": {"zzqqxx"}}); b.Correction != nil || b.Total != 0 {
		t.Errorf("zzqqxx: %+v", b)
	}
	if r := do(t, s, "GET", "/api/search?q=shouji&correct=maybe", ""); r.status != 400 || !strings.Contains(r.body, "correct") {
		t.Errorf("correct=maybe: %d %s", r.status, r.body)
	}

	// A corrected search is no hot search: not the input, which found
	// nothing by itself, nor the correction, which nobody typed.
	s.stats = newConsoleStats()
	get(url.Values{"q": {"shouji"}})
	if top, zero := s.stats.top.Top(5), s.stats.zero.Top(5); len(top) != 0 || len(zero) != 0 {
		t.Errorf("after a corrected search: top %+v, zero %+v; want neither", top, zero)
	}

	// The typed query is observed as finding nothing; the correction not.
	obs := &observer{}
	h := ObserveSearches(s.Handler(), obs, nil)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/search?q=shouji", nil))
	if len(obs.got) != 1 || obs.got[0] != "shouji=" {
		t.Errorf("observed %q, want [shouji=]", obs.got)
	}
}
