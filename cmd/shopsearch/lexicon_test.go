package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/server"
	"shopsearch/store/redistest"
)

// lexiconStatus is the lexicon status the replica's API shows.
func (r *redisReplica) lexiconStatus(t *testing.T) server.LexiconStatus {
	t.Helper()
	var st server.LexiconStatus
	r.mustCall(t, "GET", "/api/admin/lexicon/status", "", &st)
	return st
}

// TestRedisReplicasShareTheLexicon: a lexicon published on one replica is
// served by the other within a second or two, words re-indexed there too.
// Each replica's engine has its own analyzer, so b applies the lexicon
// itself.
func TestRedisReplicasShareTheLexicon(t *testing.T) {
	url := redistest.Start(t)
	a, b := startRedisReplica(t, url), startRedisReplica(t, url)
	a.mustCall(t, "PUT", "/api/admin/lexicon", `{"synonyms":["电话, 手机"],"author":"a"}`, nil)
	wrote := time.Now()
	within(t, "b applies a's lexicon", wrote, wrote.Add(3*time.Second), func() bool {
		st := b.lexiconStatus(t)
		return st.Version == 1 && st.Applied == 1 && st.State == "ready"
	})
	if got := b.search(t, "电话").Total; got != 2 {
		t.Errorf("b finds %d items for 电话, want the 2 phones", got)
	}
	if s := a.stderr.String() + b.stderr.String(); s != "" {
		t.Errorf("stderr:\n%s", s)
	}
}

// TestLexiconSurvivesRestart: words published and re-indexed before a
// restart segment the same after it (serve loads the lexicon before it
// opens the catalog), and the marker spares a second re-index. On Redis,
// the same holds for a restart while Redis is down: serve starts degraded
// with the lexicon the index reflects (its marker, serve_redis.go) and
// reads every version once Redis is back.
func TestLexiconSurvivesRestart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		redis bool
	}{{"embedded", false}, {"redis down at the restart", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			products := []models.Product{
				{ID: "c1", Title: "网红猫咖体验券 双人", Price: 99},
				{ID: "c2", Title: "美的 空调 挂机", Price: 2999},
			}
			if _, err := indexer.Build(dir, products, indexer.BuildOptions{}); err != nil {
				t.Fatal(err)
			}
			var srv *redistest.Server
			cfg := ServeConfig{DataDir: dir, Addr: "127.0.0.1:0", AdminToken: redisTestToken}
			if tc.redis {
				srv = redistest.StartServer(t)
				cfg.Redis = srv.URL
			}
			start := func() *redisReplica {
				r := &redisReplica{stderr: &syncBuffer{}}
				cfg.Stderr = r.stderr
				r.m = NewMain(cfg)
				if err := r.m.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
				r.base = "http://" + r.m.Addr()
				return r
			}
			r := start()
			r.mustCall(t, "PUT", "/api/admin/lexicon", `{"synonyms":["空调, 冷气机"],"author":"a"}`, nil)
			r.mustCall(t, "PUT", "/api/admin/lexicon", `{"words":[{"word":"猫咖","freq":100000}],"synonyms":["猫咖, 猫咪咖啡"],"author":"a"}`, nil)
			now := time.Now()
			// A liveness bound, not a speed claim: a new dictionary loads in the
			// background, which under -race on a loaded 2-core machine took 33 s.
			within(t, "the word is re-indexed", now, now.Add(3*time.Minute), func() bool {
				st := r.lexiconStatus(t)
				return st.State == "ready" && st.Indexed == 2
			})
			if got := ids(r.search(t, "猫咖").Items); !slices.Equal(got, []string{"c1"}) {
				t.Errorf("猫咖 finds %v before the restart", got)
			}
			if err := r.m.Close(); err != nil {
				t.Fatal(err)
			}
			if tc.redis {
				srv.Stop()
			}
			r = start()
			if st := r.lexiconStatus(t); st.Applied != 2 {
				t.Errorf("after the restart: status %+v", st)
			}
			for _, q := range []string{"猫咖", "猫咪咖啡"} { // a word, a synonym
				if got := ids(r.search(t, q).Items); !slices.Equal(got, []string{"c1"}) {
					t.Errorf("%s finds %v after the restart", q, got)
				}
			}
			if tc.redis {
				if h := r.health(t); h != "degraded" {
					t.Errorf("healthz %q with Redis down since the start", h)
				}
				srv.Restart()
				up := time.Now()
				within(t, "healthy once Redis is back", up, up.Add(15*time.Second), func() bool { return r.health(t) == "ok" })
				var h struct{ History []struct{ Version int } }
				r.mustCall(t, "GET", "/api/admin/lexicon/history", "", &h)
				if fmt.Sprint(h.History) != "[{0} {1} {2}]" {
					t.Errorf("lexicon history once Redis is back: %v, want versions 0 to 2", h.History)
				}
				if st := r.lexiconStatus(t); st.Applied != 2 || st.Indexed != 2 || st.State != "ready" {
					t.Errorf("lexicon status once Redis is back: %+v", st)
				}
			}
			if err := r.m.Close(); err != nil {
				t.Fatal(err)
			}
			if s := r.stderr.String(); strings.Contains(s, "re-indexed") {
				t.Errorf("the restart re-indexed again:\n%s", s)
			}
		})
	}
}

func ids(items []query.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}
