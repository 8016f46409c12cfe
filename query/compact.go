package query

import (
	"context"
	"fmt"
	"time"

	"shopsearch/indexer"
	"shopsearch/models"
)

// CompactConfig says when the engine folds its change log into the product
// snapshot (indexer.Catalog.Compact).
type CompactConfig struct {
	// MinBytes is the log size that starts a compaction: the write that
	// reaches it wakes the compactor (indexer.Catalog.NotifyLogSize).
	MinBytes int64
	// Every is how often RunCompactor also looks at the log's size, in
	// case a signal was missed (a log that was already long at open).
	Every time.Duration
}

// DefaultCompactConfig returns the defaults: compact once the log reaches
// 64 MiB (about 600,000 partial updates; replaying that many lines takes
// about 2.5 s at open), checked on every write and every minute.
func DefaultCompactConfig() CompactConfig {
	return CompactConfig{Every: time.Minute, MinBytes: 64 << 20}
}

// Compact folds the change log into the product snapshot now, whatever its
// size. Writes go on while it runs; only the copy of the lines written
// meanwhile holds them up.
func (e *Engine) Compact(ctx context.Context) (indexer.CompactStats, error) {
	e.wmu.Lock()
	// Under wmu every change in the log up to here is in the store too.
	upTo, err := e.cat.LogSize()
	e.wmu.Unlock()
	if err != nil {
		return indexer.CompactStats{}, err
	}
	return e.cat.Compact(upTo, func(yield func(*models.Product) error) error {
		return e.store.Scan(func(p *models.Product) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if k := e.behavior.Load(); k != nil { // the catalog's figures, not the behaviour blended in (stats.go)
				k.catalogView(p)
			}
			return yield(p)
		})
	})
}

// RunCompactor compacts the change log whenever it has grown past
// cfg.MinBytes — woken by the write that gets it there, and looking every
// cfg.Every besides — until ctx is done. Writes go on during a
// compaction; the log can overshoot MinBytes by what they add meanwhile,
// and the next compaction starts at once if that is MinBytes again. It reports
// each compaction and each failure with logf (a failed compaction leaves
// the generation as it was and is tried again next time).
func (e *Engine) RunCompactor(ctx context.Context, cfg CompactConfig, logf func(format string, args ...any)) {
	def := DefaultCompactConfig()
	if cfg.Every <= 0 {
		cfg.Every = def.Every
	}
	if cfg.MinBytes <= 0 {
		cfg.MinBytes = def.MinBytes
	}
	grown := e.cat.NotifyLogSize(cfg.MinBytes)
	t := time.NewTicker(cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-grown:
		}
		size, err := e.cat.LogSize()
		if err != nil {
			logf("compact: %v", err)
			continue
		}
		if size < cfg.MinBytes {
			continue
		}
		st, err := e.Compact(ctx)
		if err != nil {
			if ctx.Err() == nil {
				logf("compact: %v", err)
			}
			continue
		}
		logf("compacted the change log: %s → %s, %d products in the snapshot, in %v",
			byteSize(st.LogBefore+st.LogAfter), byteSize(st.LogAfter), st.Products, st.Took.Round(time.Millisecond))
	}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
