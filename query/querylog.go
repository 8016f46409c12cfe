package query

import (
	"cmp"
	"slices"
	"sync"
)

// QueryLog counts searched queries in bounded memory, keeping at most
// capacity of them with the Space-Saving algorithm (Metwally, Agrawal and
// El Abbadi, 2005): a query not yet counted when the log is full replaces
// the least counted one and inherits its count, plus one. Every query
// searched more than n/capacity times of n is kept, and no count is over
// by more than the count it inherited — so the top of the log is right
// while its tail churns.
type QueryLog struct {
	mu       sync.Mutex
	capacity int
	counts   map[string]int64
}

// QueryCount is a query and about how many times it was searched.
type QueryCount struct {
	Query string `json:"query"`
	Count int64  `json:"count"`
}

// NewQueryLog returns a log of at most capacity queries (at least 1).
func NewQueryLog(capacity int) *QueryLog {
	return &QueryLog{capacity: max(capacity, 1), counts: map[string]int64{}}
}

// Add counts one search of q; empty queries are not counted.
func (l *QueryLog) Add(q string) {
	if q == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.counts[q]; ok || len(l.counts) < l.capacity {
		l.counts[q]++
		return
	}
	// Evict the least counted query (the smallest string among ties, so
	// that the log does not depend on map order).
	var minQ string
	var minN int64 = -1
	for k, n := range l.counts {
		if minN < 0 || n < minN || n == minN && k < minQ {
			minQ, minN = k, n
		}
	}
	delete(l.counts, minQ)
	l.counts[q] = minN + 1
}

// Top returns the n most counted queries, by count and then query.
func (l *QueryLog) Top(n int) []QueryCount {
	l.mu.Lock()
	out := make([]QueryCount, 0, len(l.counts))
	for q, c := range l.counts {
		out = append(out, QueryCount{q, c})
	}
	l.mu.Unlock()
	slices.SortFunc(out, func(a, b QueryCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Query, b.Query)
	})
	return out[:min(max(n, 0), len(out))]
}
