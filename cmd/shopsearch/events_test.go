package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/store/redistest"
)

// postEvents posts a batch without a token, as a storefront does.
func (r *redisReplica) postEvents(t *testing.T, body string) (accepted int, buffered bool) {
	t.Helper()
	resp, err := http.Post(r.base+"/api/events", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Accepted int
		Rejected []any
		Buffered bool
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || len(out.Rejected) != 0 {
		t.Fatalf("POST /api/events: status %d, %+v, %v", resp.StatusCode, out, err)
	}
	return out.Accepted, out.Buffered
}

func (r *redisReplica) item(t *testing.T, id string) models.Product {
	t.Helper()
	var p models.Product
	r.mustCall(t, "GET", "/api/items/"+id, "", &p)
	return p
}

func (r *redisReplica) health(t *testing.T) string {
	t.Helper()
	var h struct{ Status string }
	r.mustCall(t, "GET", "/healthz", "", &h)
	return h.Status
}

// shownAndClicked is an impression of item to session and a click on it.
func shownAndClicked(session, item string) string {
	return fmt.Sprintf(`[{"type":"impression","session_id":%q,"scene":"search","items":[%q]},`+
		`{"type":"click","session_id":%q,"item_id":%q}]`, session, item, session, item)
}

// TestEventsReplicasSeeEachOther: an event posted to one replica is in
// the other's ranking columns within a second.
func TestEventsReplicasSeeEachOther(t *testing.T) {
	url := redistest.Start(t)
	a, b := startRedisReplica(t, url), startRedisReplica(t, url)
	const fresh = time.Second
	for i, r := range []*redisReplica{a, b} {
		item := []string{"a", "b"}[i]
		other := []*redisReplica{b, a}[i]
		r.postEvents(t, shownAndClicked("s1", item))
		wrote := time.Now()
		took := within(t, "the other replica ranks with the click", wrote, wrote.Add(fresh), func() bool {
			p := other.item(t, item)
			return p.Impressions == 1 && p.Clicks == 1
		})
		t.Logf("item %s: in the other replica's ranking columns after %v", item, took.Round(time.Millisecond))
		var st models.ItemStats
		other.mustCall(t, "GET", "/api/admin/events/items/"+item, "", &st)
		if st.Day30.Clicks != 1 || st.CTR <= 0 {
			t.Errorf("the other replica's statistics of %s: %+v", item, st)
		}
	}
	if s := a.stderr.String() + b.stderr.String(); s != "" {
		t.Errorf("stderr:\n%s", s)
	}
}

// TestEventsRedisGoesAway: with Redis stopped, search goes on, events are
// buffered and /healthz says degraded; when it is back the buffer is
// replayed and the events count.
func TestEventsRedisGoesAway(t *testing.T) {
	srv := redistest.StartServer(t)
	a := startRedisReplica(t, srv.URL)
	a.postEvents(t, shownAndClicked("s1", "a"))
	if h := a.health(t); h != "ok" {
		t.Fatalf("healthz %q with Redis up", h)
	}

	srv.Stop()
	for i := range 5 {
		if _, buffered := a.postEvents(t, shownAndClicked(fmt.Sprint("down-", i), "b")); !buffered {
			t.Errorf("event %d with Redis down was not buffered", i)
		}
	}
	start := time.Now()
	if got := a.search(t, "手机"); len(got.Items) != 2 {
		t.Errorf("search with Redis down: %+v", got.Items)
	}
	t.Logf("a search with Redis down took %v", time.Since(start).Round(time.Microsecond))
	if h := a.health(t); h != "degraded" {
		t.Errorf("healthz %q with Redis down, want degraded", h)
	}

	srv.Restart()
	up := time.Now()
	within(t, "the buffer is replayed", up, up.Add(10*time.Second), func() bool { return a.health(t) == "ok" })
	// All from one address: one impression and one click count, the
	// others are repeats.
	within(t, "the replayed events rank", up, up.Add(10*time.Second), func() bool {
		p := a.item(t, "b")
		return p.Impressions == 1 && p.Clicks == 1
	})
	var c struct {
		Replayed      int `json:"replayed"`
		DroppedRepeat int `json:"dropped_repeat"`
		BufferRefused int `json:"buffer_refused"`
	}
	a.mustCall(t, "GET", "/api/admin/events/stats", "", &c)
	if c.Replayed != 10 || c.DroppedRepeat != 8 || c.BufferRefused != 0 {
		t.Errorf("counters %+v, want 10 replayed, 8 repeats", c)
	}
	if p := a.item(t, "a"); p.Impressions != 1 || p.Clicks != 1 {
		t.Errorf("item a after the restart: %d impressions, %d clicks", p.Impressions, p.Clicks)
	}
	if n := strings.Count(a.stderr.String(), "buffering events"); n != 1 {
		t.Errorf("logged the buffering %d times, want once:\n%s", n, a.stderr.String())
	}
}

// TestEventsEmbedded: without Redis the behaviour is kept in
// DATA/behavior.db, and an event is in the ranking columns within a second.
func TestEventsEmbedded(t *testing.T) {
	dir := t.TempDir()
	if _, err := indexer.Build(dir, []models.Product{{ID: "a", Title: "华为 手机", Sales30d: 10}}, indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	r := &redisReplica{stderr: &syncBuffer{}}
	r.m = NewMain(ServeConfig{DataDir: dir, Addr: "127.0.0.1:0", AdminToken: redisTestToken, Stderr: r.stderr})
	if err := r.m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer r.m.Close()
	r.base = "http://" + r.m.Addr()
	r.postEvents(t, shownAndClicked("s1", "a"))
	wrote := time.Now()
	within(t, "the click ranks", wrote, wrote.Add(time.Second), func() bool {
		p := r.item(t, "a")
		return p.Impressions == 1 && p.Clicks == 1 && p.Sales30d == 10
	})
	if _, err := os.Stat(filepath.Join(dir, behaviorFile)); err != nil {
		t.Error(err)
	}
	if s := r.stderr.String(); s != "" {
		t.Errorf("stderr:\n%s", s)
	}
}
