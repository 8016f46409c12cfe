package indexer

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"shopsearch/models"
)

// Source yields a catalog's products in order: it calls yield with each
// and stops at the first error yield returns, returning it. ReadCatalog
// over an open file is one (cmd/shopsearch index).
type Source func(yield func(models.Product) error) error

// ErrNoProducts is BuildFrom's error for a source that yielded nothing:
// an empty generation is never published.
var ErrNoProducts = errors.New("no products to index")

// BuildFrom indexes the products src yields into a new generation of
// dataDir and publishes it. Until it returns, the previous generation (if
// any) stays current; if it fails or the process dies, nothing is
// published.
//
// The catalog is streamed, not read whole first: batches are indexed as
// they fill, two at a time (a batch's segment is written by the goroutine
// that added it, so one batch alone leaves a core idle), and each product
// goes to the generation's snapshot as it comes, so memory holds a few
// batches rather than the catalog (a million products took 3.8 GiB read
// whole). Measured in doc/design.md, "Index build".
func BuildFrom(dataDir string, src Source, opts BuildOptions) (BuildStats, error) {
	opts.defaults()
	start := time.Now()
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return BuildStats{}, fmt.Errorf("create data dir: %w", err)
	}
	gen := newGenerationName(opts.Now())
	tmp := filepath.Join(dataDir, gen+tmpSuffix)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return BuildStats{}, err
	}
	fail := func(err error) (BuildStats, error) {
		os.RemoveAll(tmp)
		return BuildStats{}, err
	}
	idx, err := bleve.NewUsing(filepath.Join(tmp, indexDir), newMapping(), scorch.Name, scorch.Name, nil)
	if err != nil {
		return fail(fmt.Errorf("create index: %w", err))
	}
	snap, err := newSnapshotWriter(filepath.Join(tmp, snapshotFile))
	if err != nil {
		idx.Close()
		return fail(err)
	}
	bar := newProgress(opts.Progress, opts.Total)
	n, err := indexStream(idx, bleveAnalyzer{opts.Analyzer}, src, snap, opts.BatchSize, bar)
	if err == nil && n == 0 {
		err = ErrNoProducts
	}
	if cerr := snap.close(); err == nil && cerr != nil {
		err = fmt.Errorf("write product snapshot: %w", cerr)
	}
	if err != nil {
		idx.Close()
		return fail(err)
	}
	bar.done()
	// One segment answers queries fastest; merge now, before publishing,
	// rather than let the merger do it while serving.
	if err := forceMerge(idx); err != nil {
		idx.Close()
		return fail(err)
	}
	if err := idx.Close(); err != nil {
		return fail(fmt.Errorf("close index: %w", err))
	}
	if opts.changes != "" {
		// The writes acknowledged since the build began (BuildNext); the
		// serving process keeps appending to it through its open file.
		if err := os.Rename(opts.changes, filepath.Join(tmp, changesFile)); err != nil {
			return fail(fmt.Errorf("move the build's change log: %w", err))
		}
	}
	if err := syncDir(tmp); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, filepath.Join(dataDir, gen)); err != nil {
		return fail(err)
	}
	if err := publish(dataDir, gen, opts.keep); err != nil {
		return BuildStats{}, err
	}
	return BuildStats{Generation: gen, Docs: n, Elapsed: time.Since(start)}, nil
}

// indexStream indexes what src yields in batches of size, two batches at
// a time, writing each product to snap in the source's order, and returns
// how many it indexed. A batch that fails stops the source.
func indexStream(idx bleve.Index, an analysis.Analyzer, src Source, snap *snapshotWriter, size int, bar *progress) (int, error) {
	const workers = 2
	batches := make(chan []models.Product)
	var (
		mu      sync.Mutex // over done, bar and failed
		done    int
		failed  error
		wg      sync.WaitGroup
		stopped = make(chan struct{})
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				err := indexBatch(idx, an, b)
				mu.Lock()
				if err != nil && failed == nil {
					failed = err
					close(stopped)
				}
				done += len(b)
				bar.set(done)
				mu.Unlock()
			}
		}()
	}
	n := 0
	batch := make([]models.Product, 0, size)
	send := func() error {
		select {
		case batches <- batch:
		case <-stopped:
			return errors.New("indexing stopped")
		}
		batch = make([]models.Product, 0, size)
		return nil
	}
	err := src(func(p models.Product) error {
		if err := snap.write(&p); err != nil {
			return fmt.Errorf("write product snapshot: %w", err)
		}
		batch = append(batch, p)
		n++
		if len(batch) == size {
			return send()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = send()
	}
	close(batches)
	wg.Wait()
	if failed != nil {
		return n, failed // the cause, rather than "indexing stopped"
	}
	return n, err
}

// snapshotWriter writes a generation's product snapshot (gzip JSONL, as
// readSnapshot reads it) as the products come. The generation's directory
// is published by a rename once complete, so the file needs no atomic
// write of its own; close syncs it.
type snapshotWriter struct {
	f   *os.File
	buf *bufio.Writer
	zw  *gzip.Writer
	enc *json.Encoder
}

func newSnapshotWriter(path string) (*snapshotWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create product snapshot: %w", err)
	}
	buf := bufio.NewWriterSize(f, 1<<16)
	zw, _ := gzip.NewWriterLevel(buf, gzip.BestSpeed)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	return &snapshotWriter{f: f, buf: buf, zw: zw, enc: enc}, nil
}

func (w *snapshotWriter) write(p *models.Product) error { return w.enc.Encode(p) }

func (w *snapshotWriter) close() error {
	err := w.zw.Close()
	if err == nil {
		err = w.buf.Flush()
	}
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
