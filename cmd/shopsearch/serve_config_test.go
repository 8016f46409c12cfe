package main

import (
	"context"
	"net/url"
	"testing"

	"shopsearch/query"
)

// TestServeMaxCandidates: --max-candidates bounds the text matches a
// business-ordered search ranks; by default a small catalog's broad query
// ranks every match.
func TestServeMaxCandidates(t *testing.T) {
	dir := t.TempDir()
	total := func(max int) (int, int) {
		t.Helper()
		m := NewMain(ServeConfig{DataDir: dir, Addr: "127.0.0.1:0", Seed: 42, MaxCandidates: max})
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		var resp query.Response
		getJSON(t, "http://"+m.Addr()+"/api/search?sort=sales&q="+url.QueryEscape("手机"), &resp)
		return resp.Total, resp.Matched
	}
	all, matched := total(0)
	if all != matched || matched <= 20 {
		t.Fatalf("default: total %d of %d matched; want every match ranked, and more than 20 of them", all, matched)
	}
	if capped, _ := total(20); capped != 20 {
		t.Errorf("--max-candidates 20: total %d, want the 20 best text matches", capped)
	}
}
