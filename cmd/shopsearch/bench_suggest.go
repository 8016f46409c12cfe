package main

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"time"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/suggest"
)

// maxObserved caps how many searches of one query the suggest phase feeds
// its query log (the counts only need their order).
const maxObserved = 1000

// benchSuggest builds a Suggester over the workload's catalog and query log
// and times lookups of what shoppers have typed so far: the first 1–3
// characters of queries drawn by popularity. Suggest has no HTTP route yet.
func benchSuggest(ctx context.Context, cfg BenchConfig, qs []benchQuery, logf func(string, ...any)) []benchRow {
	httpRow := naRow("suggest HTTP", "no suggest route in the server yet")
	catalog, err := findCatalog(cfg.DataDir)
	if err != nil {
		return []benchRow{naRow("suggest in-process (1 goroutine)", err.Error()), httpRow}
	}
	s, err := suggest.New(suggest.Config{}, suggest.Deps{Products: catalogProducts(catalog)})
	if err != nil {
		return []benchRow{naRow("suggest in-process (1 goroutine)", err.Error()), httpRow}
	}
	now := time.Now()
	for _, q := range qs {
		for range min(q.count, maxObserved) {
			s.Observe(q.text, 1, now)
		}
	}
	logf("building the suggest index")
	bs, err := s.Rebuild(ctx)
	if err != nil {
		return []benchRow{naRow("suggest in-process (1 goroutine)", "rebuild: "+err.Error()), httpRow}
	}

	r := rand.New(rand.NewPCG(cfg.Seed, 0x5a6e))
	pop := newPopularity(qs)
	inputs := make([]string, planSize)
	for i := range inputs {
		runes := []rune(pop.pick(r))
		inputs[i] = string(runes[:1+r.IntN(min(3, len(runes)))])
	}
	logf("suggest in-process for %s", cfg.Duration)
	var lat latencies
	var errs opErrors
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for i := 0; i < cfg.MaxOps && ctx.Err() == nil && time.Now().Before(deadline); i++ {
		t := time.Now()
		if _, err := s.Suggest(suggest.Request{Q: inputs[i%len(inputs)]}); err != nil {
			errs.add(err)
			continue
		}
		lat = append(lat, time.Since(t))
	}
	row := lat.row("suggest in-process (1 goroutine)", "QPS", time.Since(start), errs)
	row.notes += fmt.Sprintf("1–3 character prefixes of logged queries; index of %d candidates built in %.1fs",
		bs.Candidates, bs.TookMs/1000)
	return []benchRow{row, httpRow}
}

// errStopIter ends a catalog read early when the consumer stops.
var errStopIter = errors.New("stop")

// catalogProducts yields the products of a catalog file, read anew at each
// iteration (a read error ends the sequence early).
func catalogProducts(path string) iter.Seq[models.Product] {
	return func(yield func(models.Product) bool) {
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer f.Close()
		indexer.ReadCatalog(f, indexer.FormatFromPath(path), func(p models.Product) error {
			if !yield(p) {
				return errStopIter
			}
			return nil
		}, nil)
	}
}
