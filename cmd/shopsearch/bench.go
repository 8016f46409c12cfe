package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"text/tabwriter"
	"time"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
)

// The bench subcommand (bench*.go) times every hot path over a workload
// written by gen. It stays in cmd rather than in a package of its own: like
// the other commands it only wires the packages together, and nothing else
// imports it. It expects gen's product ids (g0000000…) for the partial
// updates.

// BenchConfig is what bench needs; DefaultBenchConfig has the defaults.
type BenchConfig struct {
	DataDir     string        // a workload written by gen: catalog.jsonl(.gz), queries.tsv
	Duration    time.Duration // of each timed phase
	Concurrency int           // HTTP load workers
	Seed        uint64        // of the request mix
	Rebuild     bool          // rebuild the index even when DataDir/index-data has one
	PatchBatch  int           // updates per Patch call
	BuildBatch  int           // documents per Bleve batch of the build; 0: the indexer's default
	MaxOps      int           // most operations one phase runs, whatever its duration
	CPUProfile  string        // CPU profile of the search phases; none when empty
	BuildCPU    string        // CPU profile of the index build; none when empty
	MemProfile  string        // heap profile after the search phases; none when empty
	NoCache     bool          // turn the engine's phase-1 and result caches off: every search goes to Bleve
	ResultTTL   time.Duration // of the result cache, as serve's --result-cache-ttl
	// MaxCandidates overrides query.Config.MaxCandidates, as serve's
	// --max-candidates; 0 keeps the default.
	MaxCandidates int
	// MaxMatches overrides query.Config.MaxMatches, as serve's
	// --max-matches; negative turns it off, 0 keeps the default.
	MaxMatches int
	// Redis, when set, adds the recommend phases with the shoppers'
	// behaviour in that Redis: up, refused and hung (bench_faults.go).
	Redis string

	Stdout io.Writer // the table
	Stderr io.Writer // progress
}

// DefaultBenchConfig returns the defaults of bench.
func DefaultBenchConfig() BenchConfig {
	return BenchConfig{Duration: 10 * time.Second, Concurrency: 8, Seed: 1, PatchBatch: 100, MaxOps: 2_000_000, ResultTTL: defaultResultTTL}
}

// Targets of the scale issue, compared against in the table.
const (
	targetBuildDocsPerSec = 10_000
	targetSearchP99       = 15 * time.Millisecond
	targetHTTPQPS         = 1_500
	targetServingRSS      = 2 << 30
)

// benchIndexDir is where bench builds the index, inside the data directory.
const benchIndexDir = "index-data"

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := DefaultBenchConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", "", "workload directory written by gen (required)")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "length of each timed phase")
	fs.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "concurrent HTTP clients")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the request mix")
	fs.BoolVar(&cfg.Rebuild, "rebuild", false, "rebuild the index even when DATA/"+benchIndexDir+" has one")
	fs.IntVar(&cfg.PatchBatch, "patch-batch", cfg.PatchBatch, "partial updates per Patch call")
	fs.IntVar(&cfg.BuildBatch, "build-batch", 0, "documents per Bleve batch when building (default: the indexer's)")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the search phases to this file")
	fs.StringVar(&cfg.BuildCPU, "build-cpuprofile", "", "write a CPU profile of the index build to this file")
	fs.StringVar(&cfg.MemProfile, "memprofile", "", "write a heap profile taken after the search phases to this file")
	fs.DurationVar(&cfg.ResultTTL, "result-cache-ttl", cfg.ResultTTL, "how long a search response is reused, as serve's --result-cache-ttl; 0 turns it off")
	var memLimit memoryLimitFlag
	fs.Var(&memLimit, "memory-limit", "soft limit on the Go runtime's memory, as serve's --memory-limit (default: none, or $GOMEMLIMIT)")
	fs.IntVar(&cfg.MaxCandidates, "max-candidates", 0, "phase-1 candidates of a filtered or business-ordered search, as serve's --max-candidates (default: the engine's)")
	fs.IntVar(&cfg.MaxMatches, "max-matches", 0, "matches a filtered or business-ordered search goes through whole, as serve's --max-matches (default: the engine's; -1: none)")
	fs.StringVar(&cfg.Redis, "redis", "", "URL of a Redis: adds recommend phases with the shoppers' behaviour in it, reached normally, refused and hung (through a proxy that fails on purpose); its keys are deleted after")
	fs.BoolVar(&cfg.NoCache, "no-cache", false, "turn the phase-1 and result caches off, so that every search runs Bleve and phase 2 (cold figures)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	memLimit.apply()
	if cfg.DataDir == "" {
		return errors.New("bench: --data is required (a directory written by gen)")
	}
	if cfg.Duration <= 0 || cfg.Concurrency <= 0 || cfg.PatchBatch <= 0 {
		return errors.New("bench: --duration, --concurrency and --patch-batch must be positive")
	}
	cfg.Stdout, cfg.Stderr = stdout, stderr
	return Bench(ctx, cfg)
}

// benchRow is one line of the table.
type benchRow struct {
	phase, ops, rate, p50, p95, p99, target, notes string
}

func naRow(phase, why string) benchRow {
	return benchRow{phase: phase, ops: "n/a", rate: "n/a", p50: "-", p95: "-", p99: "-", target: "-", notes: why}
}

// valueRow is a row with one figure and no latencies.
func valueRow(phase, ops, value, target, notes string) benchRow {
	return benchRow{phase: phase, ops: ops, rate: value, p50: "-", p95: "-", p99: "-", target: target, notes: notes}
}

// Bench builds the workload's index when needed, then times search,
// suggest and partial updates and prints one table.
func Bench(ctx context.Context, cfg BenchConfig) error {
	def := DefaultBenchConfig()
	if cfg.MaxOps <= 0 {
		cfg.MaxOps = def.MaxOps
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	logf := func(format string, args ...any) { fmt.Fprintf(cfg.Stderr, "bench: "+format+"\n", args...) }
	queries, err := readBenchQueries(filepath.Join(cfg.DataDir, genQueriesFile))
	if err != nil {
		return err
	}
	indexDir := filepath.Join(cfg.DataDir, benchIndexDir)
	var rows []benchRow

	build, err := benchBuild(ctx, cfg, indexDir, logf)
	if err != nil {
		return err
	}
	rows = append(rows, build)
	// A serving process starts without the build's memory (the catalog
	// read whole, Bleve's batches): hand it back before opening, so that
	// the serving RSS below is serve's and not the build's leftovers.
	debug.FreeOSMemory()

	logf("opening %s", indexDir)
	openStart := time.Now()
	qcfg := query.DefaultConfig()
	qcfg.Results.TTL = cfg.ResultTTL
	if cfg.MaxCandidates > 0 {
		qcfg.MaxCandidates = cfg.MaxCandidates
	}
	if cfg.MaxMatches != 0 {
		qcfg.MaxMatches = max(cfg.MaxMatches, 0)
	}
	if cfg.NoCache {
		qcfg.Cache.Entries, qcfg.Results.TTL = -1, 0
	}
	engine, err := query.Open(indexDir, dict.Default(), qcfg)
	if err != nil {
		return fmt.Errorf("bench: open index: %w", err)
	}
	defer engine.Close()
	live := engine.Store().Live()
	openTook := time.Since(openStart)
	rows = append(rows, valueRow("open catalog", thousands(live), thousands(int(float64(live)/max(openTook.Seconds(), 1e-9)))+" products/s",
		"-", fmt.Sprintf("%.1fs: query.Open (product snapshot, phase-2 columns, Bleve index)", openTook.Seconds())))

	plan, err := newSearchPlan(ctx, engine, queries, cfg.Seed)
	if err != nil {
		return err
	}
	stopProfile, err := startProfile(cfg.CPUProfile)
	if err != nil {
		return err
	}
	logf("search in-process for %s", cfg.Duration)
	loadBefore := loadAverage()
	half := len(plan) / 2
	rows = append(rows, benchSearchInProcess(ctx, cfg, engine, plan[:half]))
	logf("search over HTTP for %s with %d clients", cfg.Duration, cfg.Concurrency)
	httpRow, err := benchSearchHTTP(ctx, cfg, engine, plan[half:])
	if err != nil {
		stopProfile()
		return err
	}
	rows = append(rows, httpRow)
	if err := stopProfile(); err != nil {
		return err
	}
	// RSS while serving: after the search phases, before suggest builds
	// its own index and the updates.
	rss := procStatus("VmRSS")
	rssNote := rssBreakdown()
	if err := writeHeapProfile(cfg.MemProfile); err != nil {
		return err
	}
	suggestRows, err := benchSuggest(ctx, cfg, engine, queries, logf)
	if err != nil {
		return err
	}
	rows = append(rows, suggestRows...)
	logf("recommend in-process for %s", cfg.Duration)
	rows = append(rows, benchRecommend(ctx, cfg, engine, live)) // bench_recommend.go
	if cfg.Redis != "" {
		redisRows, err := benchRecommendRedis(ctx, cfg, engine, live) // bench_faults.go
		if err != nil {
			return err
		}
		rows = append(rows, redisRows...)
	}
	logf("partial updates for %s, %d a call", cfg.Duration, cfg.PatchBatch)
	patchRow, err := benchPatchRestoring(ctx, cfg, engine, indexDir, live)
	if err != nil {
		return err
	}
	rows = append(rows, patchRow)
	logf("events intake for %s", cfg.Duration)
	eventsRow, err := benchEvents(ctx, cfg)
	if err != nil {
		return err
	}
	rows = append(rows, eventsRow)

	size, gen, err := generationSize(indexDir)
	if err != nil {
		return err
	}
	rows = append(rows,
		valueRow("index size on disk", "-", formatBytes(size), "-", gen+" (Bleve index + product snapshot + change log)"),
		valueRow("RSS while serving", "-", formatBytes(rss), verdict(rss <= targetServingRSS, "≤ 2 GiB"),
			fmt.Sprintf("VmRSS after the search phases; %d products; %s", live, rssNote)),
	)
	if err := ctx.Err(); err != nil {
		return err
	}
	printBenchTable(cfg, live, rows, loadBefore, loadAverage())
	return nil
}

// benchBuild builds the index from the workload's catalog unless one is
// there, and returns the build row.
func benchBuild(ctx context.Context, cfg BenchConfig, indexDir string, logf func(string, ...any)) (benchRow, error) {
	if indexer.Exists(indexDir) && !cfg.Rebuild {
		row := naRow("index build", "index exists in "+indexDir+": pass --rebuild to time a build")
		row.ops = "-"
		return row, nil
	}
	catalog, err := findCatalog(cfg.DataDir)
	if err != nil {
		return benchRow{}, err
	}
	logf("building the index of %s into %s (the catalog streamed into the build)", catalog, indexDir)
	preloadAnalyzer()
	f, err := os.Open(catalog)
	if err != nil {
		return benchRow{}, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	stopProfile, err := startProfile(cfg.BuildCPU)
	if err != nil {
		return benchRow{}, err
	}
	cpu := startCPU()
	var st indexer.ImportStats
	bs, err := indexer.BuildFrom(indexDir, func(yield func(models.Product) error) error {
		var err error
		st, err = indexer.ReadCatalog(f, indexer.FormatFromPath(catalog), func(p models.Product) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return yield(p)
		}, nil)
		return err
	}, indexer.BuildOptions{Progress: cfg.Stderr, BatchSize: cfg.BuildBatch})
	cores := cpu.cores()
	if perr := stopProfile(); err == nil {
		err = perr
	}
	if errors.Is(err, indexer.ErrNoProducts) {
		return benchRow{}, fmt.Errorf("bench: no valid products in %s (%s)", catalog, st)
	}
	if err != nil {
		return benchRow{}, fmt.Errorf("bench: build: %w", err)
	}
	peak := procStatus("VmHWM")
	runtime.GC()
	debug.FreeOSMemory()
	rate := bs.DocsPerSecond()
	return valueRow("index build", thousands(bs.Docs), thousands(int(rate))+" docs/s", verdict(rate >= targetBuildDocsPerSec, "≥ 10,000 docs/s"),
		fmt.Sprintf("%.0fs to read and build, %.1f cores busy (%d rejected); peak RSS (VmHWM) %s",
			bs.Elapsed.Seconds(), cores, st.Rejected, formatBytes(peak))), nil
}

// findCatalog returns the workload's catalog.jsonl or catalog.jsonl.gz.
func findCatalog(dir string) (string, error) {
	for _, name := range []string{genCatalogFile, genCatalogFile + ".gz"} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("bench: no %s or %s.gz in %s (write one with shopsearch gen)", genCatalogFile, genCatalogFile, dir)
}

// startProfile starts a CPU profile into path (none when path is empty);
// the returned function stops it.
func startProfile(path string) (func() error, error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bench: cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench: cpu profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// writeHeapProfile writes a heap profile to path (nothing when it is empty).
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: heap profile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("bench: heap profile: %w", err)
	}
	return f.Close()
}

func verdict(met bool, target string) string {
	if met {
		return target + ": met"
	}
	return target + ": NOT met"
}

func printBenchTable(cfg BenchConfig, products int, rows []benchRow, loadBefore, loadAfter string) {
	limit := "none"
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		limit = formatBytes(l)
	}
	fmt.Fprintf(cfg.Stdout, "shopsearch bench: %s, %s products, %s a phase, %d HTTP clients, GOMAXPROCS %d, %s, memory limit %s; load average %s before the search phases, %s at the end\n",
		cfg.DataDir, thousands(products), cfg.Duration, cfg.Concurrency, runtime.GOMAXPROCS(0), runtime.Version(), limit, loadBefore, loadAfter)
	tw := tabwriter.NewWriter(cfg.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\tops\trate\tp50\tp95\tp99\ttarget\tnotes")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.phase, r.ops, r.rate, r.p50, r.p95, r.p99, r.target, r.notes)
	}
	tw.Flush()
}
