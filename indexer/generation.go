package indexer

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"shopsearch/models"
	publishfile "shopsearch/publish"
)

// A data directory holds generations, each a complete, immutable-once-built
// catalog: gen-<time>/index (Bleve) and gen-<time>/products.jsonl.gz (the
// product snapshot), plus gen-<time>/changes.jsonl, the append-only log of
// upserts and deletes applied since the build. The file CURRENT names the
// published generation; a build writes a new generation under a .tmp name,
// fsyncs it, renames it and then replaces CURRENT by the same write-temp,
// fsync, rename steps, so a crash at any point leaves the previous
// generation serving.
const (
	currentFile  = "CURRENT"
	indexDir     = "index"
	snapshotFile = "products.jsonl.gz"
	changesFile  = "changes.jsonl"
	genPrefix    = "gen-"
	tmpSuffix    = ".tmp"
)

// ErrNoCatalog is returned by Open when the data directory has no published
// generation yet.
var ErrNoCatalog = errors.New("no published catalog in the data directory")

// current returns the directory of the published generation.
func current(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, currentFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", ErrNoCatalog
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", currentFile, err)
	}
	name := strings.TrimSpace(string(b))
	if !strings.HasPrefix(name, genPrefix) || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("%s names %q, not a generation", currentFile, name)
	}
	return filepath.Join(dataDir, name), nil
}

// Exists reports whether dataDir has a published catalog.
func Exists(dataDir string) bool {
	_, err := current(dataDir)
	return err == nil
}

// newGenerationName is unique and sorts by build time.
func newGenerationName(now time.Time) string {
	return genPrefix + now.UTC().Format("20060102T150405.000000000")
}

// publish makes gen (a directory name inside dataDir) the current
// generation and removes all but the previous one and keep (the
// generation a running server still serves, or "").
func publish(dataDir, gen, keep string) error {
	if err := WriteFileAtomic(filepath.Join(dataDir, currentFile), []byte(gen+"\n")); err != nil {
		return fmt.Errorf("publish %s: %w", gen, err)
	}
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return nil // published; cleaning up is best effort
	}
	var gens []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, genPrefix) || name == gen || name == keep {
			continue
		}
		if strings.HasSuffix(name, tmpSuffix) {
			os.RemoveAll(filepath.Join(dataDir, name)) // a crashed build
			continue
		}
		gens = append(gens, name)
	}
	// Keep the newest previous generation for a manual rollback.
	sort.Strings(gens)
	for i, g := range gens {
		if i < len(gens)-1 {
			os.RemoveAll(filepath.Join(dataDir, g))
		}
	}
	return nil
}

// WriteFileAtomic writes data to path so that readers see either the old
// file or the new one, never a part: write a temp file in the same
// directory, fsync it, rename it over path, fsync the directory.
func WriteFileAtomic(path string, data []byte) error { return publishfile.Bytes(path, data) }

func writeAtomic(path string, write func(io.Writer) error) error {
	return publishfile.File(path, write)
}

func syncDir(dir string) error { return publishfile.SyncDir(dir) }

// readSnapshot reads a snapshot written by BuildFrom (snapshotWriter).
func readSnapshot(path string) ([]models.Product, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dec := json.NewDecoder(zr)
	var out []models.Product
	for {
		var p models.Product
		if err := dec.Decode(&p); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: product %d: %w", path, len(out)+1, err)
		}
		out = append(out, p)
	}
}
