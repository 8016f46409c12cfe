package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
)

// TestServeKeepsProfilesAndRules: what the admin API saves is in
// DATA/state.db, used at once and after a restart.
// buildThree publishes the three-item catalog (two phones, a fruit) the
// serve tests run on into dir.
func buildThree(t *testing.T, dir string) {
	t.Helper()
	products := []models.Product{
		{ID: "a", Title: "华为 手机", Brand: "华为", Category: "数码>手机", Sales30d: 10},
		{ID: "b", Title: "小米 手机", Brand: "小米", Category: "数码>手机", Sales30d: 9000},
		{ID: "c", Title: "苹果 水果", Category: "生鲜>水果"},
	}
	if _, err := indexer.Build(dir, products, indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestServeKeepsProfilesAndRules(t *testing.T) {
	dir := t.TempDir()
	buildThree(t, dir)
	const token = "t0ken"
	start := func() (*Main, string) {
		m := NewMain(ServeConfig{DataDir: dir, Addr: "127.0.0.1:0", AdminToken: token})
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m, "http://" + m.Addr()
	}
	m, base := start()
	for _, r := range []struct{ method, path, body string }{
		{"PUT", "/api/admin/profiles/default", `{"weights":{"text":1,"brand":1},"brand_boost":{"华为":1},"author":"a"}`},
		{"POST", "/api/admin/rules", `{"query":"手机","action":"pin","item_id":"c","position":1,"author":"a"}`},
	} {
		if resp := do(t, r.method, base+r.path, r.body, token); resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s: status %d", r.method, r.path, resp.StatusCode)
		}
	}
	check := func(when string) {
		var resp query.Response
		getJSON(t, base+"/api/search?q="+url.QueryEscape("手机"), &resp)
		if len(resp.Items) != 3 || resp.Items[0].ID != "c" || resp.Items[1].ID != "a" || resp.ProfileVersion != 1 {
			t.Errorf("%s: %+v (profile v%d)", when, resp.Items, resp.ProfileVersion)
		}
	}
	check("at once")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	_, base = start()
	check("after a restart")
	if resp := do(t, "GET", base+"/api/admin/rules", "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("rules without the token: status %d", resp.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile)); err != nil {
		t.Error(err)
	}
}
