package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shopsearch/store/redistest"
)

// TestShippedGenerationReachesAll: three replicas on one Redis and one
// shelf. A catalog uploaded to one is built there once, shipped with its
// checksum manifest and stream position, and pulled by the two others
// (their CURRENT names it within seconds); each restarted serves the new
// catalog with the writes made since the upload replayed from the stream.
func TestShippedGenerationReachesAll(t *testing.T) {
	srv := redistest.StartServer(t)
	shelf := t.TempDir()
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	rs := make([]*redisReplica, 3)
	for i := range rs {
		rs[i] = streamReplica(t, dirs[i], srv.URL, shelf)
	}
	rs[1].mustCall(t, "PATCH", "/api/items/b", `{"stock":9}`, nil) // before the upload: the catalog supersedes it

	catalog := `{"id":"a","title":"华为 手机","brand":"华为","category":"数码>手机","stock":1}` + "\n" +
		`{"id":"x","title":"vivo 手机","brand":"vivo","category":"数码>手机","stock":2}` + "\n"
	req, err := http.NewRequest("POST", rs[0].base+"/api/admin/catalog?format=jsonl", strings.NewReader(catalog))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+redisTestToken)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var build struct{ Generation, Note string }
	if err := json.NewDecoder(resp.Body).Decode(&build); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(build.Note, "shipped") {
		t.Fatalf("catalog upload: %d %+v", resp.StatusCode, build)
	}
	rs[2].mustCall(t, "PATCH", "/api/items/a", `{"stock":42}`, nil) // after it: replayed over the new catalog

	shipped := time.Now()
	for i, dir := range dirs {
		within(t, fmt.Sprintf("r%d publishes %s", i, build.Generation), shipped, shipped.Add(10*time.Second), func() bool {
			b, _ := os.ReadFile(filepath.Join(dir, "CURRENT"))
			return strings.TrimSpace(string(b)) == build.Generation
		})
	}
	for i := range rs {
		if err := rs[i].m.Close(); err != nil {
			t.Fatal(err)
		}
		rs[i] = streamReplica(t, dirs[i], srv.URL, shelf)
		if items := rs[i].search(t, "vivo").Items; len(items) != 1 || items[0].ID != "x" {
			t.Errorf("r%d restarted: search vivo finds %+v, want x of the new catalog", i, items)
		}
		if rs[i].has(t, "b") {
			t.Errorf("r%d restarted: b, absent from the new catalog, is still there", i)
		}
		if got := rs[i].stock(t, "a"); got != 42 {
			t.Errorf("r%d restarted: a's stock %d, want 42 (the patch after the upload)", i, got)
		}
		if h := rs[i].health(t); h != "ok" {
			t.Errorf("r%d restarted: health %q", i, h)
		}
	}
}
