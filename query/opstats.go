package query

import "time"

// ResultCacheStats are the result cache's counters since the engine
// opened (results.go).
type ResultCacheStats struct {
	Hits, Misses uint64 // Misses: cacheable searches not found fresh
}

// ResultCacheStats returns the result cache's counters (zero when it is
// off).
func (e *Engine) ResultCacheStats() ResultCacheStats {
	if e.results == nil {
		return ResultCacheStats{}
	}
	return ResultCacheStats{Hits: e.results.hits.Load(), Misses: e.results.misses.Load()}
}

// LogSize returns the size in bytes of the served generation's change
// log, which compaction (compact.go) folds into the snapshot.
func (e *Engine) LogSize() (int64, error) { return e.cat.LogSize() }

// SnapshotWritten returns when the served generation's product snapshot
// was last written: by its build or by the last compaction (compact.go).
func (e *Engine) SnapshotWritten() (time.Time, error) { return e.cat.SnapshotWritten() }
