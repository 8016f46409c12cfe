package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/store"
	"shopsearch/store/events"
	"shopsearch/store/redistest"
)

// BenchmarkPostEvents times POST /api/events over loopback HTTP, each
// request a storefront's typical batch (an impression of 10 items, 2
// clicks, an add_to_cart, a search) from a shopper of 10,000, and reports
// the latency's p50 and p99, on Redis and on the embedded store.
//
//	go test ./server -run XXX -bench PostEvents -benchtime 2000x
func BenchmarkPostEvents(b *testing.B) {
	for _, which := range []string{"redis", "embedded"} {
		b.Run(which, func(b *testing.B) {
			var st interface {
				events.Store
				events.StatsStore
				events.QueryStore
			}
			if which == "redis" {
				r, err := store.OpenRedis(context.Background(), redistest.Start(b))
				if err != nil {
					b.Fatal(err)
				}
				defer r.Close()
				st = r
			} else {
				e, err := store.OpenEmbedded(filepath.Join(b.TempDir(), "behavior.db"))
				if err != nil {
					b.Fatal(err)
				}
				defer e.Close()
				st = e
			}
			s := New(Config{ErrorLog: testWriterB{b}}, benchEngine(b))
			in := events.New(events.Config{}, st)
			stats := events.NewStats(events.StatsConfig{}, st, func([]models.ItemStats) error { return nil })
			if _, err := s.WithEvents(events.Service{Ingester: in, Stats: stats, Queries: st}, EventsConfig{RatePerIP: 1e9, BurstPerIP: 1e9}); err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			client := srv.Client()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				u := fmt.Sprint("u", i%10_000)
				body := fmt.Sprintf(`[{"type":"impression","user_id":%q,"scene":"search","items":["p01","p02","p03","p04","p05","p06","p07","p08","p09","p10"]},`+
					`{"type":"click","user_id":%[1]q,"item_id":"p0%d"},{"type":"click","user_id":%[1]q,"item_id":"p10"},`+
					`{"type":"add_to_cart","user_id":%[1]q,"item_id":"p10"},{"type":"search","user_id":%[1]q,"query":"蓝牙耳机","results":9}]`, u, i%9+1)
				start := time.Now()
				resp, err := client.Post(srv.URL+"/api/events", "application/json", strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				lat = append(lat, time.Since(start))
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// benchEngine is newEngine for a benchmark.
func benchEngine(b *testing.B) *query.Engine {
	b.Helper()
	dir := b.TempDir()
	if _, err := indexer.Build(dir, testProducts(), indexer.BuildOptions{}); err != nil {
		b.Fatal(err)
	}
	e, err := query.Open(dir, dict.Default(), query.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e
}

type testWriterB struct{ b *testing.B }

func (w testWriterB) Write(p []byte) (int, error) {
	w.b.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
