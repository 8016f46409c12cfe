package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/server"
)

func runIndex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("index", flag.ContinueOnError)
	fs.SetOutput(stderr)
	catalog := fs.String("catalog", "", "catalog file: JSONL or CSV, optionally gzipped")
	data := fs.String("data", "data", "data directory to publish the index in")
	rejects := fs.String("rejects", "", "where to write rejected lines (default DATA/rejects.jsonl)")
	serveURL := fs.String("url", "", "hand the build to the serve at this URL (http://HOST:PORT) instead of building here; the default when a serve owns DATA")
	token := fs.String("admin-token", "", "admin token of that serve (default $"+tokenEnv+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *catalog == "" {
		return fmt.Errorf("index: --catalog is required")
	}
	if *token == "" {
		*token = os.Getenv(tokenEnv)
	}
	f, err := os.Open(*catalog)
	if err != nil {
		return err
	}
	defer f.Close()
	if *serveURL != "" {
		return handOff(ctx, *serveURL, *token, f, *catalog, stdout, stderr)
	}
	// Own DATA for the build: a serve on it would go on writing to the
	// generation this one replaces, and lose those writes at its restart.
	// When a serve owns it, the build is handed to that serve, which keeps
	// every write it acknowledges meanwhile.
	lock, err := indexer.LockDir(*data, "index")
	if le := (*indexer.LockedError)(nil); errors.As(err, &le) && strings.HasPrefix(le.Holder, "serve") {
		m := serveHolderRE.FindStringSubmatch(le.Holder)
		switch {
		case m == nil:
			return fmt.Errorf("index: refused: %w; stop serve, or give its address with --url", err)
		case *token == "":
			return fmt.Errorf("index: refused: %w. Give the serve's admin token (--admin-token or $%s) to hand the build to it "+
				"(it keeps every write it acknowledges meanwhile), or stop serve and run index again", err, tokenEnv)
		}
		fmt.Fprintf(stderr, "%s is served by %s: handing the build to it\n", *data, le.Holder)
		return handOff(ctx, m[1], *token, f, *catalog, stdout, stderr)
	}
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	defer lock.Unlock()
	preloadAnalyzer()
	// The catalog is streamed into the build, not read whole first: memory
	// holds a few batches, not the catalog (indexer.BuildFrom).
	var bad []indexer.Reject
	var st indexer.ImportStats
	bs, err := indexer.BuildFrom(*data, func(yield func(models.Product) error) error {
		var err error
		st, err = indexer.ReadCatalog(f, indexer.FormatFromPath(*catalog), yield, func(r indexer.Reject) {
			bad = append(bad, r)
			if len(bad) <= 10 {
				fmt.Fprintf(stderr, "line %d rejected: %s\n", r.Line, r.Reason)
			}
		})
		return err
	}, indexer.BuildOptions{Progress: stderr})
	if len(bad) > 0 {
		path := *rejects
		if path == "" {
			path = *data + "/rejects.jsonl"
		}
		if werr := writeRejects(path, bad); werr != nil {
			return errors.Join(err, werr)
		}
		fmt.Fprintf(stderr, "%d rejected lines written to %s\n", len(bad), path)
	}
	if errors.Is(err, indexer.ErrNoProducts) {
		return fmt.Errorf("index: no valid products in %s (%s)", *catalog, st)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s; indexed %d products in %.1fs (%.0f docs/s); published %s\n",
		st, bs.Docs, bs.Elapsed.Seconds(), bs.DocsPerSecond(), bs.Generation)
	return nil
}

// writeRejects writes the rejected lines to path.
func writeRejects(path string, bad []indexer.Reject) error {
	w, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := indexer.WriteRejects(w, bad); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// serveHolderRE reads the address out of a serve's lock ("serve at
// http://localhost:8080 (pid 123)").
var serveHolderRE = regexp.MustCompile(`^serve at (http\S+) \(pid`)

// handOff sends the catalog to a running serve's POST /api/admin/catalog,
// which builds and publishes it keeping every write it acknowledges
// meanwhile (server/catalog.go).
func handOff(ctx context.Context, base, token string, catalog io.Reader, path string, stdout, stderr io.Writer) error {
	format, ctype := "jsonl", "application/x-ndjson"
	if indexer.FormatFromPath(path) == indexer.FormatCSV {
		format, ctype = "csv", "text/csv"
	}
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		ctype = "application/gzip"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		strings.TrimRight(base, "/")+"/api/admin/catalog?format="+url.QueryEscape(format), catalog)
	if err != nil {
		return fmt.Errorf("index --url: %w", err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req) // no timeout: a build takes as long as it takes
	if err != nil {
		return fmt.Errorf("index: hand the build to %s: %w", base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("index: read the answer of %s: %w", base, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Code, Message string }
		if json.Unmarshal(body, &e) == nil && e.Message != "" {
			return fmt.Errorf("index: %s refused the build: %s (%s)", base, e.Message, e.Code)
		}
		return fmt.Errorf("index: %s answered %s", base, resp.Status)
	}
	var out server.CatalogBuild
	if err := json.Unmarshal(body, &out); err != nil {
		return fmt.Errorf("index: read the answer of %s: %w", base, err)
	}
	for _, r := range out.Rejects {
		fmt.Fprintf(stderr, "line %d rejected: %s\n", r.Line, r.Reason)
	}
	if out.Rejected > len(out.Rejects) {
		fmt.Fprintf(stderr, "%d lines rejected in all (the serve reports the first %d)\n", out.Rejected, len(out.Rejects))
	}
	fmt.Fprintf(stdout, "lines=%d accepted=%d rejected=%d; the serve at %s indexed them in %.1fs: %s\n",
		out.Lines, out.Products, out.Rejected, base, out.Seconds, out.Note)
	return nil
}

// preloadAnalyzer loads the dictionaries (about a second) on another core
// while the catalog is read, rather than on the build's first document.
func preloadAnalyzer() { go dict.DefaultLexicon() }
