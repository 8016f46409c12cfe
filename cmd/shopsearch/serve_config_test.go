package main

import (
	"context"
	"net/url"
	"testing"

	"shopsearch/query"
)

// TestServeMatchBounds: a business-ordered search goes through every match
// while the query's rarest word is in at most --max-matches items; above,
// it ranks the --max-candidates best by text.
func TestServeMatchBounds(t *testing.T) {
	dir := t.TempDir()
	total := func(maxMatches, maxCands int) (int, int) {
		t.Helper()
		m := NewMain(ServeConfig{DataDir: dir, Addr: "127.0.0.1:0", Seed: 42, MaxMatches: maxMatches, MaxCandidates: maxCands})
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		var resp query.Response
		getJSON(t, "http://"+m.Addr()+"/api/search?sort=sales&q="+url.QueryEscape("手机"), &resp)
		return resp.Total, resp.Matched
	}
	all, matched := total(0, 20)
	if all != matched || matched <= 20 {
		t.Fatalf("default --max-matches: total %d of %d matched; want every match ranked, and more than 20 of them", all, matched)
	}
	if capped, _ := total(5, 20); capped != 20 {
		t.Errorf("--max-matches 5 --max-candidates 20: total %d, want the 20 best text matches", capped)
	}
	if capped, _ := total(-1, 20); capped != 20 {
		t.Errorf("--max-matches -1 --max-candidates 20: total %d, want the 20 best text matches", capped)
	}
}
