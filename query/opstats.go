package query

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
