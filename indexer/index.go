package indexer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"shopsearch/dict"
	"shopsearch/models"
)

// BuildOptions tune a full build.
type BuildOptions struct {
	BatchSize int       // documents per Bleve batch; default 2000
	Progress  io.Writer // where the progress bar goes; nil for none
	Total     int       // how many products to expect, for the bar; 0: unknown
	Now       func() time.Time
	// Analyzer analyses the documents' text: the analyzer of the engine
	// that will search the generation. Default: for Build a new one over
	// the built-in lexicon (dict.Default); for BuildNext the serving
	// catalog's.
	Analyzer *dict.Analyzer

	// For BuildNext (handoff.go): a change log to move into the new
	// generation, and a generation publishing must not remove (the one
	// being served).
	changes, keep string
}

func (o *BuildOptions) defaults() {
	if o.BatchSize <= 0 {
		o.BatchSize = 2000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Analyzer == nil {
		o.Analyzer = dict.Default()
	}
}

// BuildStats describes a finished build.
type BuildStats struct {
	Generation string
	Docs       int
	Elapsed    time.Duration
}

// DocsPerSecond is the indexing rate of the build.
func (s BuildStats) DocsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Docs) / s.Elapsed.Seconds()
}

// Build indexes products into a new generation of dataDir and publishes it
// (BuildFrom over a slice).
func Build(dataDir string, products []models.Product, opts BuildOptions) (BuildStats, error) {
	if opts.Total == 0 {
		opts.Total = len(products)
	}
	return BuildFrom(dataDir, func(yield func(models.Product) error) error {
		for i := range products {
			if err := yield(products[i]); err != nil {
				return err
			}
		}
		return nil
	}, opts)
}

func forceMerge(idx bleve.Index) error {
	adv, err := idx.Advanced()
	if err != nil {
		return err
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil
	}
	if err := sc.ForceMerge(context.Background(), nil); err != nil {
		return fmt.Errorf("merge index segments: %w", err)
	}
	return nil
}

func indexBatch(idx bleve.Index, an analysis.Analyzer, products []models.Product) error {
	b := idx.NewBatch()
	for i := range products {
		if err := b.IndexAdvanced(newDocument(&products[i], an)); err != nil {
			return fmt.Errorf("index %s: %w", products[i].ID, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("index batch: %w", err)
	}
	return nil
}

// Catalog is the published generation opened for serving: the Bleve index
// and the change log. Upsert and Delete are durable when they return.
type Catalog struct {
	dir string
	idx bleve.Index
	lex *dict.Analyzer    // the documents' analyzer, the engine's (Open)
	an  analysis.Analyzer // lex for Bleve

	mu  sync.Mutex // serialises writers of the log and the index
	log *os.File

	// grown is signalled (without blocking) after a write leaves the log
	// at growLimit bytes or more (NotifyLogSize); 0: never.
	grown     chan struct{}
	growLimit atomic.Int64

	// taps are the change logs of generations built while this one
	// serves (handoff.go): every write goes to them too. building is set
	// while BuildNext runs.
	taps     []*os.File
	building bool
}

// NotifyLogSize returns a channel that receives after a write leaves the
// change log at limit bytes or more — the compactor's cue, so that the log
// is folded as it grows rather than when a timer next looks. Signals do
// not queue: one pending signal stands for any number of writes. A later
// call changes the limit and returns the same channel.
func (c *Catalog) NotifyLogSize(limit int64) <-chan struct{} {
	c.growLimit.Store(limit)
	return c.grown
}

// wrote signals grown when the log has reached the limit.
func (c *Catalog) wrote(size int64) {
	if limit := c.growLimit.Load(); limit > 0 && size >= limit {
		select {
		case c.grown <- struct{}{}:
		default:
		}
	}
}

// change is one line of the change log.
type change struct {
	Op      string               `json:"op"` // "upsert", "delete" or "patch" (see Patch; never indexed)
	Product *models.Product      `json:"product,omitempty"`
	ID      string               `json:"id,omitempty"`
	Patch   *models.ProductPatch `json:"patch,omitempty"`
}

// Open opens the current generation of dataDir and returns it with the
// products as they are now: the snapshot with the change log applied, in
// snapshot order (upserted new items at the end; deleted ones removed).
// an analyses the documents the catalog writes, from the replay of the
// change log on: the analyzer of the engine that searches it (nil: a new
// one over the built-in lexicon, dict.Default).
func Open(dataDir string, an *dict.Analyzer) (*Catalog, []models.Product, error) {
	dir, err := current(dataDir)
	if err != nil {
		return nil, nil, err
	}
	products, err := readSnapshot(filepath.Join(dir, snapshotFile))
	if err != nil {
		return nil, nil, fmt.Errorf("read product snapshot: %w", err)
	}
	// Safe batches (scorch's default, said explicitly): an upsert's batch
	// returns once persisted, which compaction relies on (compact.go).
	idx, err := bleve.OpenUsing(filepath.Join(dir, indexDir), map[string]interface{}{"unsafe_batch": false})
	if err != nil {
		return nil, nil, fmt.Errorf("open index: %w", err)
	}
	if an == nil {
		an = dict.Default()
	}
	c := &Catalog{dir: dir, idx: idx, lex: an, an: bleveAnalyzer{an}, grown: make(chan struct{}, 1)}
	changes, err := readChanges(filepath.Join(dir, changesFile))
	if err != nil {
		idx.Close()
		return nil, nil, err
	}
	if len(changes) > 0 {
		// The log is written before the index, so replaying it into the
		// index (idempotently) covers a crash between the two.
		if err := c.apply(changes); err != nil {
			idx.Close()
			return nil, nil, err
		}
		products = replay(products, changes)
	}
	c.log, err = os.OpenFile(filepath.Join(dir, changesFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		idx.Close()
		return nil, nil, err
	}
	return c, products, nil
}

// Index is the Bleve index, for searching.
func (c *Catalog) Index() bleve.Index { return c.idx }

// Analyzer is the analyzer of the catalog's documents (Open's an): swapping
// its lexicon changes how the documents written next are analysed.
func (c *Catalog) Analyzer() *dict.Analyzer { return c.lex }

// Dir is the generation directory.
func (c *Catalog) Dir() string { return c.dir }

// Upsert adds or replaces products (validated by the caller).
func (c *Catalog) Upsert(products []models.Product) error {
	cs := make([]change, len(products))
	for i := range products {
		cs[i] = change{Op: "upsert", Product: &products[i]}
	}
	return c.write(cs)
}

// Delete removes products by id; unknown ids are ignored.
func (c *Catalog) Delete(ids []string) error {
	cs := make([]change, len(ids))
	for i, id := range ids {
		cs[i] = change{Op: "delete", ID: id}
	}
	return c.write(cs)
}

func (c *Catalog) write(cs []change) error {
	if len(cs) == 0 {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range cs {
		if err := enc.Encode(&cs[i]); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A write that fails is not acknowledged, so it must not come back at
	// the next open: every failure cuts the logs back to where they were.
	undo, err := c.appendLog(buf.Bytes())
	if err != nil {
		return err
	}
	if err := c.apply(cs); err != nil {
		return undo(fmt.Errorf("index: %w", err))
	}
	return nil
}

// appendLog appends buf — whole lines — to the change log and to every
// tap (handoff.go), fsyncing each, with c.mu held. On failure nothing of
// buf stays in any of them; on success it returns undo, which cuts buf off
// again (for a failure after the append) and returns its argument joined
// with any failure to cut (then the lines may come back at the next open).
func (c *Catalog) appendLog(buf []byte) (undo func(error) error, err error) {
	files := append([]*os.File{c.log}, c.taps...)
	sizes := make([]int64, 0, len(files))
	undo = func(err error) error {
		for i, f := range files[:len(sizes)] {
			if terr := f.Truncate(sizes[i]); terr != nil {
				err = errors.Join(err, fmt.Errorf("cut a failed write off %s: %w", f.Name(), terr))
			} else if serr := f.Sync(); serr != nil {
				err = errors.Join(err, fmt.Errorf("cut a failed write off %s: %w", f.Name(), serr))
			}
		}
		return err
	}
	for _, f := range files {
		fi, err := f.Stat()
		if err != nil {
			return nil, undo(fmt.Errorf("append change log: %w", err))
		}
		sizes = append(sizes, fi.Size())
		if _, err := f.Write(buf); err != nil {
			return nil, undo(fmt.Errorf("append change log %s: %w", f.Name(), err))
		}
		if err := f.Sync(); err != nil {
			return nil, undo(fmt.Errorf("sync change log %s: %w", f.Name(), err))
		}
	}
	c.wrote(sizes[0] + int64(len(buf)))
	return undo, nil
}

func (c *Catalog) apply(cs []change) error {
	b := c.idx.NewBatch()
	for _, ch := range cs {
		switch ch.Op {
		case "upsert":
			if err := b.IndexAdvanced(newDocument(ch.Product, c.an)); err != nil {
				return err
			}
		case "delete":
			b.Delete(ch.ID)
		}
	}
	return c.idx.Batch(b)
}

// Close closes the index and the log.
func (c *Catalog) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return errors.Join(c.idx.Close(), c.log.Close(), c.closeTaps())
}

func readChanges(path string) ([]change, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []change
	r := bufio.NewReader(f)
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if len(b) > 0 && b[len(b)-1] == '\n' {
			var ch change
			if jerr := json.Unmarshal(b, &ch); jerr != nil || (ch.Op == "upsert" && ch.Product == nil) || (ch.Op == "patch" && ch.Patch == nil) {
				return nil, fmt.Errorf("%s line %d: corrupt change", path, line)
			}
			out = append(out, ch)
		}
		// A last line without its newline is a write cut short by a crash:
		// it was never acknowledged, so it is dropped.
		if err == io.EOF {
			if len(b) > 0 { // cut off, or the next append would extend it into a corrupt line
				if err := dropTornTail(path, int64(len(b))); err != nil {
					return nil, err
				}
			}
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func replay(products []models.Product, cs []change) []models.Product {
	pos := make(map[string]int, len(products))
	for i := range products {
		pos[products[i].ID] = i
	}
	deleted := map[int]bool{}
	for _, ch := range cs {
		switch ch.Op {
		case "upsert":
			if i, ok := pos[ch.Product.ID]; ok {
				products[i] = *ch.Product
				delete(deleted, i)
			} else {
				pos[ch.Product.ID] = len(products)
				products = append(products, *ch.Product)
			}
		case "delete":
			if i, ok := pos[ch.ID]; ok {
				deleted[i] = true
			}
		case "patch": // of an unknown or deleted item: skipped
			if i, ok := pos[ch.ID]; ok && !deleted[i] {
				ch.Patch.Apply(&products[i])
			}
		}
	}
	if len(deleted) == 0 {
		return products
	}
	out := products[:0]
	for i := range products {
		if !deleted[i] {
			out = append(out, products[i])
		}
	}
	return out
}
