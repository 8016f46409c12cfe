package main

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/url"
	"time"

	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/suggest"
)

// maxObserved caps how many searches of one query the suggest phase feeds
// its query log (the counts only need their order).
const maxObserved = 1000

// benchSuggest builds a Suggester over the engine's products and the
// workload's query log, then times lookups of what shoppers have typed so
// far — the first 1–3 characters of queries drawn by popularity — in
// process and over HTTP (GET /api/suggest).
func benchSuggest(ctx context.Context, cfg BenchConfig, e *query.Engine, qs []benchQuery, logf func(string, ...any)) ([]benchRow, error) {
	sg, err := suggest.New(suggest.Config{}, suggest.Deps{Products: storeProducts(e), Words: productNouns(e.Analyzer())})
	if err != nil {
		return nil, fmt.Errorf("bench: suggest: %w", err)
	}
	now := time.Now()
	for _, q := range qs {
		for range min(q.count, maxObserved) {
			sg.Observe(q.text, 1, now)
		}
	}
	logf("building the suggest index")
	bs, err := sg.Rebuild(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: suggest: %w", err)
	}

	r := rand.New(rand.NewPCG(cfg.Seed, 0x5a6e))
	pop := newPopularity(qs)
	inputs := make([]string, planSize)
	paths := make([]string, planSize)
	for i := range inputs {
		runes := []rune(pop.pick(r))
		inputs[i] = string(runes[:1+r.IntN(min(3, len(runes)))])
		paths[i] = "/api/suggest?q=" + url.QueryEscape(inputs[i])
	}

	logf("suggest in-process for %s", cfg.Duration)
	var lat latencies
	var errs opErrors
	cpu := startCPU()
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for i := 0; i < cfg.MaxOps && ctx.Err() == nil && time.Now().Before(deadline); i++ {
		t := time.Now()
		if _, err := sg.Suggest(suggest.Request{Q: inputs[i%len(inputs)]}); err != nil {
			errs.add(err)
			continue
		}
		lat = append(lat, time.Since(t))
	}
	inProcess := lat.row("suggest in-process (1 goroutine)", "QPS", time.Since(start), errs)
	inProcess.notes += fmt.Sprintf("%.1f cores busy; 1–3 character prefixes of logged queries; index of %s candidates built in %.1fs",
		cpu.cores(), thousands(bs.Candidates), bs.TookMs/1000)

	logf("suggest over HTTP for %s with %d clients", cfg.Duration, cfg.Concurrency)
	srv, base, err := startBenchServer(e, sg, cfg.Stderr)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	cpu = startCPU()
	hl, herrs, elapsed := httpLoad(ctx, cfg, base, paths)
	overHTTP := hl.row(fmt.Sprintf("suggest HTTP (%d clients)", cfg.Concurrency), "QPS", elapsed, herrs)
	overHTTP.notes += fmt.Sprintf("%.1f cores busy (server and clients); GET /api/suggest on 127.0.0.1, same inputs", cpu.cores())
	return []benchRow{inProcess, overHTTP}, nil
}

// storeProducts yields the engine's live products.
func storeProducts(e *query.Engine) iter.Seq[models.Product] {
	return func(yield func(models.Product) bool) {
		stop := errors.New("stop")
		e.Store().Scan(func(p *models.Product) error {
			if !yield(*p) {
				return stop
			}
			return nil
		})
	}
}
