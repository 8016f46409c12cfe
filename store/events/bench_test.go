package events

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"shopsearch/models"
	"shopsearch/store"
	"shopsearch/store/redistest"
)

// BenchmarkIngestRedis ingests batches of clicks, carts and purchases of
// many shoppers on many items into a real Redis, from one process — each
// batch split by shopper over workers, each applying its part with one
// pair of pipelines — and reports events/s of wall time, and events per
// CPU second of the redis-server and of this process (figures that depend
// less on what else the machine runs).
//
//	go test ./store/events -run XXX -bench IngestRedis -benchtime 60x
func BenchmarkIngestRedis(b *testing.B) {
	srv := redistest.StartServer(b)
	r, err := store.OpenRedis(ctx, srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	info := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer info.Close()
	for _, c := range []struct{ size, workers int }{{500, 1}, {2000, 4}} {
		size := c.size
		b.Run(fmt.Sprintf("batch=%d/workers=%d", size, c.workers), func(b *testing.B) {
			in := New(Config{MaxPast: -1, ClicksWithoutImpression: true, MaxBatch: size}, r)
			types := []models.EventType{models.EventClick, models.EventClick, models.EventClick, models.EventAddToCart, models.EventPurchase}
			batch := make([]models.Event, size)
			now := time.Now()
			n := 0
			server0, client0 := redisCPU(b, info), processCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := range batch {
					n++
					e := models.Event{Type: types[n%len(types)], UserID: fmt.Sprint("u", n/5%100_000),
						ItemID: fmt.Sprint("i", n*7919%50_000), Time: now}
					if e.Type == models.EventPurchase {
						e.Quantity, e.Amount = 1, 99
					}
					batch[j] = e
				}
				if err := ApplyParallel(ctx, in, batch, c.workers); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			events := float64(b.N * size)
			b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(events/(redisCPU(b, info)-server0), "events/redis-cpu-s")
			b.ReportMetric(events/(processCPU()-client0), "events/client-cpu-s")
		})
	}
}

// redisCPU is the CPU seconds the redis-server has used.
func redisCPU(b *testing.B, c *redis.Client) float64 {
	s, err := c.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for _, line := range strings.Split(s, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if k == "used_cpu_user" || k == "used_cpu_sys" {
			f, _ := strconv.ParseFloat(v, 64)
			total += f
		}
	}
	return total
}

// processCPU is the CPU seconds this process has used.
func processCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkGuardReads reads a shopper's recent clicks through a Guard from
// a real Redis that is up, refused (stopped) and hung (SIGSTOP), and
// reports the p50 and p99 of a read (the failures that open the breaker
// and its probes included).
//
//	go test ./store/events -run XXX -bench GuardReads -benchtime 20000x
func BenchmarkGuardReads(b *testing.B) {
	srv := redistest.StartServer(b)
	r, err := store.OpenRedis(ctx, srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	g := NewGuard(GuardConfig{}, r)
	in := New(Config{Observe: g.Observe, ClicksWithoutImpression: true}, r)
	var evs []models.Event
	for u := range 100 {
		for k := range 10 {
			evs = append(evs, models.Event{Type: models.EventClick, UserID: fmt.Sprint("u", u), ItemID: fmt.Sprint("i", k)})
		}
	}
	if _, err := in.Ingest(ctx, evs[:500], ""); err != nil {
		b.Fatal(err)
	}
	if _, err := in.Ingest(ctx, evs[500:], ""); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name        string
		start, stop func()
	}{{"up", func() {}, func() {}}, {"refused", srv.Stop, srv.Restart}, {"hung", srv.Pause, srv.Resume}} {
		b.Run(c.name, func(b *testing.B) {
			c.start()
			defer c.stop()
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				t := time.Now()
				got, err := g.RecentBehavior(ctx, fmt.Sprint("u:u", i%100), models.EventClick, 30)
				lat = append(lat, time.Since(t))
				if err != nil || len(got) != 10 {
					b.Fatalf("read %d: %d entries, %v", i, len(got), err)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
		})
	}
}
