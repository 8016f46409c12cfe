package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shopsearch/suggest"
)

// TestServeSuggest starts the service on the demo catalog and checks the
// search box end to end: the drop-down and hot searches over HTTP, a search
// that is counted and then suggested after a rebuild, the merchandisers'
// configuration saved in the data directory, and Count backed by Bleve.
func TestServeSuggest(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const token = "t0ken"
	m := NewMain(ServeConfig{DataDir: dir, Addr: "127.0.0.1:0", AdminToken: token, Stdout: &stdout, Stderr: &stderr})
	if err := m.Run(ctx); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	defer m.Close()
	base := "http://" + m.Addr()

	// The first build runs in the background; wait for it.
	var resp suggest.Response
	for len(resp.Suggestions) == 0 {
		getJSON(t, base+"/api/suggest?q="+url.QueryEscape("手机"), &resp)
		if len(resp.Suggestions) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, q := range []string{"sjk", "蘋果", "shouj"} {
		getJSON(t, base+"/api/suggest?q="+url.QueryEscape(q), &resp)
		if len(resp.Suggestions) == 0 {
			t.Errorf("%s: no suggestions", q)
		}
	}
	var hot suggest.Hot
	getJSON(t, base+"/api/hot", &hot)
	if len(hot.Hot) == 0 || hot.Hint == "" {
		t.Errorf("hot: %+v", hot)
	}

	// A search that finds items is counted; after a rebuild it is suggested.
	const searched = "手机壳 硅胶"
	var sr struct{ Total int }
	for range 3 {
		getJSON(t, base+"/api/search?q="+url.QueryEscape(searched), &sr)
	}
	if sr.Total == 0 {
		t.Skipf("the demo catalog has nothing for %q", searched)
	}
	admin := func(method, path, body string) *http.Response {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r
	}
	if r := admin("POST", "/api/admin/suggest/rebuild", ""); r.StatusCode != http.StatusOK {
		t.Fatalf("rebuild: %s", r.Status)
	}
	getJSON(t, base+"/api/suggest?q="+url.QueryEscape("手机壳"), &resp)
	found := false
	for _, s := range resp.Suggestions {
		found = found || s.Text == searched
	}
	if !found {
		t.Errorf("after searching %q and a rebuild, 手机壳 suggests %+v", searched, resp.Suggestions)
	}

	// A brand upserted after start is a candidate from the next build.
	if r := admin("POST", "/api/items", `{"id":"new-1","title":"犀牛盾 手机壳 防摔","brand":"犀牛盾","category":"手机配件>手机壳","price":99}`); r.StatusCode != http.StatusOK {
		t.Fatalf("upsert: %s", r.Status)
	}
	if r := admin("POST", "/api/admin/suggest/rebuild", ""); r.StatusCode != http.StatusOK {
		t.Fatalf("rebuild: %s", r.Status)
	}
	getJSON(t, base+"/api/suggest?q="+url.QueryEscape("犀牛"), &resp)
	if len(resp.Suggestions) == 0 || !strings.HasPrefix(resp.Suggestions[0].Text, "犀牛盾") {
		t.Errorf("brand of an item upserted after start: 犀牛 suggests %+v", resp.Suggestions)
	}

	if r := admin("PUT", "/api/admin/suggest/config", `{"hint":"年货节"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("PUT config: %s", r.Status)
	}
	if _, err := os.Stat(filepath.Join(dir, suggest.ConfigFile)); err != nil {
		t.Errorf("suggest config not in the data dir: %v", err)
	}
	getJSON(t, base+"/api/hot", &hot)
	if hot.Hint != "年货节" {
		t.Errorf("hint %q; want 年货节", hot.Hint)
	}
}

func TestRecentCache(t *testing.T) {
	reads := 0
	c := &recentCache{read: func(user string) []string { reads++; return []string{user + "-cat"} }}
	for range 5 {
		if got := c.get("u1"); len(got) != 1 || got[0] != "u1-cat" {
			t.Fatalf("get: %v", got)
		}
	}
	if reads != 1 {
		t.Errorf("%d store reads for five lookups within the TTL, want 1", reads)
	}
	c.cur["u1"] = recentEntry{cats: []string{"old"}, at: time.Now().Add(-recentTTL)}
	if got := c.get("u1"); got[0] != "u1-cat" || reads != 2 {
		t.Errorf("after the TTL: %v, %d reads; want a fresh read", got, reads)
	}
	if c.get("") != nil || reads != 2 {
		t.Error("an anonymous lookup read the store")
	}
}
