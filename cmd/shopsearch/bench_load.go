package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
	"shopsearch/server"
)

// benchQuery is one line of queries.tsv: qid, text, count.
type benchQuery struct {
	text  string
	count int
}

// readBenchQueries reads gen's queries.tsv ("qid<TAB>text<TAB>count"; a
// missing count counts 1).
func readBenchQueries(path string) ([]benchQuery, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bench: %w (write the workload with shopsearch gen)", err)
	}
	defer f.Close()
	var qs []benchQuery
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 2 || strings.TrimSpace(cols[1]) == "" {
			continue
		}
		q := benchQuery{text: strings.TrimSpace(cols[1]), count: 1}
		if len(cols) > 2 {
			if q.count, err = strconv.Atoi(strings.TrimSpace(cols[2])); err != nil || q.count < 0 {
				return nil, fmt.Errorf("bench: %s line %d: bad count %q", path, line, cols[2])
			}
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bench: read %s: %w", path, err)
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("bench: no queries in %s", path)
	}
	return qs, nil
}

// popularity draws queries in proportion to their counts.
type popularity struct {
	qs  []benchQuery
	cum []float64
}

func newPopularity(qs []benchQuery) *popularity {
	p := &popularity{qs: qs, cum: make([]float64, len(qs))}
	sum := 0.0
	for i, q := range qs {
		sum += float64(max(q.count, 1))
		p.cum[i] = sum
	}
	return p
}

func (p *popularity) pick(r *rand.Rand) string {
	i, _ := slices.BinarySearch(p.cum, r.Float64()*p.cum[len(p.cum)-1])
	return p.qs[min(i, len(p.qs)-1)].text
}

// benchRequest is one planned search, for the engine and as a URL.
type benchRequest struct {
	req  query.Request
	url  string // path and query string of GET /api/search
	kind string
}

// planSize is how many inputs the suggest plan holds; its phases cycle
// through them.
const planSize = 4096

// searchPlanSize is how many requests the search plan holds: drawn one by
// one from the query log's popularity, half for the in-process phase and
// half for HTTP, so that neither phase replays requests the other (or its
// own earlier loop) warmed the caches with — at these rates a phase uses
// at most a few times fewer than its half, and the traffic keeps its long
// tail of queries not seen before, as a storefront's does.
const searchPlanSize = 1 << 16

// facetQueries is how many of the most searched queries the brand-filter
// requests draw from; each is searched once beforehand for its brand facet.
const facetQueries = 200

// newSearchPlan draws searchPlanSize requests: queries by popularity with a mix of
// filters and sorts as shoppers use them — 60% relevance without filters,
// 15% a brand chosen from the query's brand facet (a facet click), 10% a
// price range, 10% sorted by sales or price, 5% a region with in_stock.
// Every request asks for facets and 20 items, as the server does.
func newSearchPlan(ctx context.Context, e *query.Engine, qs []benchQuery, seed uint64) ([]benchRequest, error) {
	r := rand.New(rand.NewPCG(seed, 0xbe7c))
	pop := newPopularity(qs)
	head := newPopularity(qs[:min(len(qs), facetQueries)])
	brandsOf := map[string][]string{}
	priceBands := [][2]float64{{0, 50}, {50, 200}, {200, 1000}, {1000, 0}}
	sorts := []rank.Sort{rank.SortSales, rank.SortPriceAsc, rank.SortPriceDesc}
	plan := make([]benchRequest, 0, searchPlanSize)
	for range searchPlanSize {
		br := benchRequest{req: query.Request{Facets: true, Size: 20}, kind: "relevance"}
		switch u := r.Float64(); {
		case u < 0.60:
			br.req.Text = pop.pick(r)
		case u < 0.75:
			br.req.Text = head.pick(r)
			brands, ok := brandsOf[br.req.Text]
			if !ok {
				resp, err := e.Search(ctx, query.Request{Text: br.req.Text, Facets: true})
				if err != nil {
					return nil, fmt.Errorf("bench: facets of %q: %w", br.req.Text, err)
				}
				if resp.Facets != nil {
					for _, b := range resp.Facets.Brand[:min(3, len(resp.Facets.Brand))] {
						brands = append(brands, b.Value)
					}
				}
				brandsOf[br.req.Text] = brands
			}
			if len(brands) > 0 {
				br.req.Filter.Brands, br.kind = []string{brands[r.IntN(len(brands))]}, "brand"
			}
		case u < 0.85:
			band := priceBands[r.IntN(len(priceBands))]
			br.req.Text, br.kind = pop.pick(r), "price"
			br.req.Filter.PriceMin, br.req.Filter.PriceMax = band[0], band[1]
		case u < 0.95:
			br.req.Text, br.req.Sort, br.kind = pop.pick(r), sorts[r.IntN(len(sorts))], "sort"
		default:
			br.req.Text, br.kind = pop.pick(r), "region"
			br.req.Filter.Region, br.req.Filter.InStock = indexer.DemoRegions[r.IntN(len(indexer.DemoRegions))].Code, true
		}
		br.url = searchURL(br.req)
		plan = append(plan, br)
	}
	return plan, nil
}

// searchURL is the GET /api/search request equivalent to req.
func searchURL(req query.Request) string {
	v := url.Values{"q": {req.Text}, "size": {strconv.Itoa(req.Size)}}
	if len(req.Filter.Brands) > 0 {
		v.Set("brand", strings.Join(req.Filter.Brands, ","))
	}
	if req.Filter.PriceMin > 0 {
		v.Set("price_min", strconv.FormatFloat(req.Filter.PriceMin, 'f', -1, 64))
	}
	if req.Filter.PriceMax > 0 {
		v.Set("price_max", strconv.FormatFloat(req.Filter.PriceMax, 'f', -1, 64))
	}
	if req.Filter.Region != "" {
		v.Set("region", req.Filter.Region)
	}
	if req.Filter.InStock {
		v.Set("in_stock", "true")
	}
	switch req.Sort {
	case rank.SortSales:
		v.Set("sort", "sales")
	case rank.SortPriceAsc:
		v.Set("sort", "price_asc")
	case rank.SortPriceDesc:
		v.Set("sort", "price_desc")
	}
	return "/api/search?" + v.Encode()
}

// latencies are the durations of a phase's operations.
type latencies []time.Duration

func (l latencies) pct(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[int(q*float64(len(l)-1))]
}

// row summarises a phase: ops, rate per second of wall time, percentiles.
func (l latencies) row(phase, unit string, elapsed time.Duration, errs opErrors) benchRow {
	slices.Sort(l)
	rate := float64(len(l)) / max(elapsed.Seconds(), 1e-9)
	r := benchRow{
		phase: phase, ops: thousands(len(l)), rate: thousands(int(rate)) + " " + unit,
		p50: fmtMs(l.pct(0.50)), p95: fmtMs(l.pct(0.95)), p99: fmtMs(l.pct(0.99)), target: "-",
	}
	if errs.n > 0 {
		r.notes = fmt.Sprintf("%d errors, first: %v; ", errs.n, errs.first)
	}
	return r
}

// opErrors counts the failed operations of a phase and keeps the first error.
type opErrors struct {
	n     int
	first error
}

func (e *opErrors) add(err error) {
	if e.first == nil {
		e.first = err
	}
	e.n++
}

func (e *opErrors) merge(o opErrors) {
	if o.n > 0 {
		e.add(o.first)
		e.n += o.n - 1
	}
}

func fmtMs(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// benchSearchInProcess runs the plan through the engine on one goroutine.
func benchSearchInProcess(ctx context.Context, cfg BenchConfig, e *query.Engine, plan []benchRequest) benchRow {
	var lat latencies
	byKind := map[string]latencies{}
	var errs opErrors
	cache0 := e.CacheStats()
	cpu := startCPU()
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for i := 0; i < cfg.MaxOps && ctx.Err() == nil && time.Now().Before(deadline); i++ {
		br := &plan[i%len(plan)]
		t := time.Now()
		if _, err := e.Search(ctx, br.req); err != nil {
			errs.add(err)
			continue
		}
		d := time.Since(t)
		lat = append(lat, d)
		byKind[br.kind] = append(byKind[br.kind], d)
	}
	r := lat.row("search in-process (1 goroutine)", "QPS", time.Since(start), errs)
	r.target = verdict(lat.pct(0.99) <= targetSearchP99, "p99 ≤ 15 ms")
	r.notes += fmt.Sprintf("%.1f cores busy; phase 1 + phase-2 ranking + facets, page of 20; phase-1 cache hits %s; p50/p99 by kind (share): %s",
		cpu.cores(), hitRate(cache0, e.CacheStats()), kindBreakdown(byKind, len(lat)))
	return r
}

// benchKinds are the kinds of planned requests, in table order.
var benchKinds = []string{"relevance", "brand", "price", "sort", "region"}

// kindBreakdown gives each kind's share of the operations and its p50/p99.
func kindBreakdown(byKind map[string]latencies, total int) string {
	var parts []string
	for _, k := range benchKinds {
		l := byKind[k]
		if len(l) == 0 {
			continue
		}
		slices.Sort(l)
		parts = append(parts, fmt.Sprintf("%s %s/%s (%d%%)", k, fmtMs(l.pct(0.5)), fmtMs(l.pct(0.99)), 100*len(l)/max(total, 1)))
	}
	return strings.Join(parts, ", ")
}

// benchSearchHTTP serves the engine's API on a loopback port and drives it
// with cfg.Concurrency clients for cfg.Duration (and at most cfg.MaxOps
// requests).
func benchSearchHTTP(ctx context.Context, cfg BenchConfig, e *query.Engine, plan []benchRequest) (benchRow, error) {
	paths := make([]string, len(plan))
	for i, br := range plan {
		paths[i] = br.url
	}
	srv, base, err := startBenchServer(e, nil, cfg.Stderr)
	if err != nil {
		return benchRow{}, err
	}
	defer srv.Close()
	cpu := startCPU()
	lat, errs, elapsed := httpLoad(ctx, cfg, base, paths)
	r := lat.row(fmt.Sprintf("search HTTP (%d clients)", cfg.Concurrency), "QPS", elapsed, errs)
	r.target = verdict(float64(len(lat))/elapsed.Seconds() >= targetHTTPQPS, "≥ 1,500 QPS")
	r.notes += fmt.Sprintf("%.1f cores busy (server and clients); GET /api/search on 127.0.0.1, keep-alive, requests of the same mix, not the in-process ones", cpu.cores())
	return r, nil
}

// startBenchServer serves the API (with the suggest routes when sg is not
// nil) on 127.0.0.1:0; it returns the server and its base URL.
func startBenchServer(e *query.Engine, sg server.Suggester, errLog io.Writer) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("bench: listen: %w", err)
	}
	api := server.NewWithSuggest(server.Config{ErrorLog: errLog}, e, sg)
	srv := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv, "http://" + ln.Addr().String(), nil
}

// httpLoad runs GET requests for paths round-robin from cfg.Concurrency
// clients until cfg.Duration has passed or cfg.MaxOps were sent; requests
// in flight then finish (each within the client's timeout).
func httpLoad(ctx context.Context, cfg BenchConfig, base string, paths []string) (latencies, opErrors, time.Duration) {
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency, MaxConnsPerHost: cfg.Concurrency, DisableCompression: true},
	}
	defer client.CloseIdleConnections()
	var sent atomic.Int64
	var mu sync.Mutex
	var all latencies
	var errs opErrors
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for range cfg.Concurrency {
		wg.Go(func() {
			var lat latencies
			var bad opErrors
			for ctx.Err() == nil && time.Now().Before(deadline) {
				n := sent.Add(1)
				if n > int64(cfg.MaxOps) {
					break
				}
				t := time.Now()
				if err := get(ctx, client, base+paths[int(n-1)%len(paths)]); err != nil {
					if ctx.Err() == nil {
						bad.add(err)
					}
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			all = append(all, lat...)
			errs.merge(bad)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all, errs, time.Since(start)
}

func get(ctx context.Context, client *http.Client, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", u, resp.Status)
	}
	return nil
}

// benchPatch times Engine.Patch with batches of stock and price updates of
// random items (ids g0000000… as gen writes them). The updates are durable:
// they are appended to the generation's change log.
func benchPatch(ctx context.Context, cfg BenchConfig, e *query.Engine, live int) benchRow {
	r := rand.New(rand.NewPCG(cfg.Seed, 0x9a7c))
	var lat latencies
	applied, rejected := 0, 0
	var errs opErrors
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for applied+rejected < cfg.MaxOps && ctx.Err() == nil && time.Now().Before(deadline) {
		updates := make([]query.Update, cfg.PatchBatch)
		for i := range updates {
			stock := r.Int64N(500)
			patch := models.ProductPatch{Stock: &stock}
			if r.IntN(10) < 3 { // a new price ends the promotion
				price, promo := float64(1+r.IntN(2000))+0.9, 0.0
				patch.Price, patch.PromoPrice = &price, &promo
			}
			updates[i] = query.Update{ID: fmt.Sprintf("g%07d", r.IntN(max(live, 1))), Patch: patch}
		}
		t := time.Now()
		res, err := e.Patch(ctx, updates)
		if err != nil {
			errs.add(err)
			continue
		}
		lat = append(lat, time.Since(t))
		applied += res.Applied
		rejected += len(res.Rejected)
	}
	elapsed := time.Since(start)
	row := lat.row(fmt.Sprintf("partial updates (batches of %d)", cfg.PatchBatch), "calls/s", elapsed, errs)
	row.ops = thousands(applied)
	row.rate = thousands(int(float64(applied)/max(elapsed.Seconds(), 1e-9))) + " updates/s"
	row.notes += fmt.Sprintf("Engine.Patch: stock, 30%% also price; fsync'd change log; latency per call; %d rejected", rejected)
	return row
}

// benchChangeLog is the change log of a generation (see indexer/generation.go).
const benchChangeLog = "changes.jsonl"

// benchPatchRestoring runs benchPatch, then cuts the generation's change log
// back to its size before, leaving the workload's index as bench found it:
// otherwise every later open would replay this run's updates.
func benchPatchRestoring(ctx context.Context, cfg BenchConfig, e *query.Engine, dataDir string, live int) (benchRow, error) {
	gen, err := currentGeneration(dataDir)
	if err != nil {
		return benchRow{}, err
	}
	path := filepath.Join(dataDir, gen, benchChangeLog)
	var before int64
	if st, err := os.Stat(path); err == nil {
		before = st.Size()
	}
	row := benchPatch(ctx, cfg, e, live)
	if err := os.Truncate(path, before); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return row, fmt.Errorf("bench: restore the change log: %w", err)
	}
	return row, nil
}

// hitRate is the phase-1 cache's hit rate between two readings.
func hitRate(before, after query.CacheStats) string {
	hits, misses := after.Hits-before.Hits, after.Misses-before.Misses
	if hits+misses == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(hits)/float64(hits+misses))
}
