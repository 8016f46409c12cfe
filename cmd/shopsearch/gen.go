package main

import (
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"shopsearch/dict"
	"shopsearch/indexer"
)

// defaultTitles is the shared catalog of real titles, relative to the
// repository root.
const defaultTitles = "../shared/data/catalog/titles.jsonl"

// Files gen writes into --out (catalog.jsonl.gz with --gzip).
const (
	genCatalogFile = "catalog.jsonl"
	genQueriesFile = "queries.tsv"
	genEventsFile  = "events.jsonl"
)

func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := indexer.DefaultGenConfig()
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.N, "n", cfg.N, "products to generate")
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "seed; the same seed and titles give the same files")
	out := fs.String("out", "", "directory to write catalog.jsonl, queries.tsv and events.jsonl into (required)")
	titles := fs.String("titles", defaultTitles, "real titles to learn the vocabulary from (the shared catalog's titles.jsonl)")
	fs.IntVar(&cfg.Queries, "queries", cfg.Queries, "distinct queries in the query log, at most")
	fs.IntVar(&cfg.Searches, "searches", cfg.Searches, "searches spread over the queries with Zipf popularity")
	fs.IntVar(&cfg.Events, "events", cfg.Events, "behaviour events to write")
	fs.IntVar(&cfg.Users, "users", 0, "distinct users of the events (default n/10)")
	gz := fs.Bool("gzip", false, "write catalog.jsonl.gz instead of catalog.jsonl")
	now := fs.String("now", cfg.Now.Format(time.RFC3339), "the generated data's \"now\" (RFC 3339)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("gen: unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		return errors.New("gen: --out is required")
	}
	if cfg.N <= 0 {
		return fmt.Errorf("gen: --n must be at least 1, got %d", cfg.N)
	}
	var err error
	if cfg.Now, err = time.Parse(time.RFC3339, *now); err != nil {
		return fmt.Errorf("gen: --now: %w", err)
	}
	start := time.Now()
	vocab, err := learnTitles(*titles)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	catalogName := genCatalogFile
	if *gz {
		catalogName += ".gz"
	}
	stats, err := writeWorkload(*out, catalogName, vocab, cfg, *gz)
	if err != nil {
		return err
	}
	b, w, m, a, c, u := vocab.Words()
	fmt.Fprintf(stdout, "learned from %d real titles: %d brands, %d product words, %d modifiers (%d attributes), %d model codes, %d units\n",
		vocab.Titles, b, w, m, a, c, u)
	fmt.Fprintf(stdout, "wrote %s: %d products (%.1f%% out of stock), %s: %d queries / %d searches, %s: %d events (%s)\n",
		catalogName, stats.Products, 100*float64(stats.OutOfStock)/float64(stats.Products),
		genQueriesFile, stats.Queries, stats.Searches, genEventsFile, genTotal(stats.Events), genFunnel(stats.Events))
	fmt.Fprintf(stdout, "title length, runes:  real %s\n                      generated %s\n", vocab.RealRunes, stats.Runes)
	fmt.Fprintf(stdout, "title length, tokens: real %s\n                      generated %s\n", vocab.RealTokens, stats.Tokens)
	fmt.Fprintf(stdout, "done in %.1fs → %s\n", time.Since(start).Seconds(), *out)
	return nil
}

// learnTitles learns the vocabulary from the titles file.
func learnTitles(path string) (*indexer.Vocabulary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gen: the generator recombines real titles and needs the shared catalog of titles (--titles, default %s): %w", defaultTitles, err)
	}
	defer f.Close()
	v, err := indexer.LearnVocabulary(f, dict.Default())
	if err != nil {
		return nil, fmt.Errorf("gen: learn vocabulary from %s: %w", path, err)
	}
	return v, nil
}

// writeWorkload generates into the three files of dir.
func writeWorkload(dir, catalogName string, v *indexer.Vocabulary, cfg indexer.GenConfig, gz bool) (indexer.GenStats, error) {
	files := map[string]*os.File{}
	closeAll := func() error {
		var errs []error
		for _, f := range files {
			errs = append(errs, f.Close())
		}
		return errors.Join(errs...)
	}
	for _, name := range []string{catalogName, genQueriesFile, genEventsFile} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			closeAll()
			return indexer.GenStats{}, fmt.Errorf("gen: %w", err)
		}
		files[name] = f
	}
	var catalog io.Writer = files[catalogName]
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(catalog)
		catalog = zw
	}
	stats, err := indexer.Generate(v, dict.Default(), cfg, indexer.GenOutput{
		Catalog: catalog, Queries: files[genQueriesFile], Events: files[genEventsFile],
	})
	if err == nil && zw != nil {
		err = zw.Close()
	}
	if cerr := closeAll(); err == nil {
		err = cerr
	}
	if err != nil {
		return stats, fmt.Errorf("gen: %w", err)
	}
	return stats, nil
}

func genTotal(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// genFunnel lists the event counts in funnel order.
func genFunnel(counts map[string]int) string {
	s := ""
	for _, t := range []string{indexer.EventImpression, indexer.EventClick, indexer.EventFavorite, indexer.EventAddToCart, indexer.EventPurchase} {
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", t, counts[t])
	}
	return s
}
