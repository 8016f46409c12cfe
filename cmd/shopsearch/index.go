package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
)

func runIndex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("index", flag.ContinueOnError)
	fs.SetOutput(stderr)
	catalog := fs.String("catalog", "", "catalog file: JSONL or CSV, optionally gzipped")
	data := fs.String("data", "data", "data directory to publish the index in")
	rejects := fs.String("rejects", "", "where to write rejected lines (default DATA/rejects.jsonl)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *catalog == "" {
		return fmt.Errorf("index: --catalog is required")
	}
	f, err := os.Open(*catalog)
	if err != nil {
		return err
	}
	defer f.Close()
	var lock *indexer.DirLock
	// Own DATA for the build: a serve on it would go on writing to the
	// generation this one replaces, and lose those writes at its restart.
	lock, err = indexer.LockDir(*data, "index")
	if le := (*indexer.LockedError)(nil); errors.As(err, &le) && strings.HasPrefix(le.Holder, "serve") {
		return fmt.Errorf("index: refused: %w. A serve owns this data directory and would lose the writes "+
			"it acknowledges after this build is published: stop serve, run index, start serve again, "+
			"or build into another directory and start a serve on that", err)
	}
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	defer lock.Unlock()
	preloadAnalyzer()
	var products []models.Product
	var bad []indexer.Reject
	st, err := indexer.ReadCatalog(f, indexer.FormatFromPath(*catalog), func(p models.Product) error {
		products = append(products, p)
		return nil
	}, func(r indexer.Reject) {
		bad = append(bad, r)
		if len(bad) <= 10 {
			fmt.Fprintf(stderr, "line %d rejected: %s\n", r.Line, r.Reason)
		}
	})
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		if err := os.MkdirAll(*data, 0o755); err != nil {
			return err
		}
		path := *rejects
		if path == "" {
			path = *data + "/rejects.jsonl"
		}
		w, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := indexer.WriteRejects(w, bad); err != nil {
			w.Close()
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%d rejected lines written to %s\n", len(bad), path)
	}
	if len(products) == 0 {
		return fmt.Errorf("index: no valid products in %s (%s)", *catalog, st)
	}
	bs, err := indexer.Build(*data, products, indexer.BuildOptions{Progress: stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s; indexed %d products in %.1fs (%.0f docs/s); published %s\n",
		st, bs.Docs, bs.Elapsed.Seconds(), bs.DocsPerSecond(), bs.Generation)
	return nil
}

// preloadAnalyzer loads the dictionaries (about a second) on another core
// while the catalog is read, rather than on the build's first document.
func preloadAnalyzer() { go dict.Default() }
