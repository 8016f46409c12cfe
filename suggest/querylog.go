package suggest

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"

	"shopsearch/models"
)

// QueryLog counts the searches shoppers run. Suggest reads its most
// searched queries at every build; the search path feeds it. MemLog is the
// in-memory one; a persistent log (the behaviour store) can take its place.
type QueryLog interface {
	// Observe records one search for a normalised query, with the number of
	// results it returned (-1: unknown; the build checks such queries with
	// Count).
	Observe(query string, results int, at time.Time)
	// Top returns up to n queries, most searched first, with their counts
	// decayed to at.
	Top(n int, at time.Time) []Logged
}

// Logged is one query of a QueryLog.
type Logged struct {
	Query   string
	Count   float64 // searches, decayed
	Results int     // results of its latest search; -1 unknown
}

// MemLog is a bounded in-memory QueryLog with daily decay: a search counts 1
// on its day and half as much every HalfLife days after. When it holds more
// than its capacity it forgets the least searched tenth. Safe for
// concurrent use.
type MemLog struct {
	mu       sync.Mutex
	capacity int
	halfLife float64 // days
	entries  map[string]*logEntry
}

type logEntry struct {
	count   float64 // decayed to day
	day     int64   // days since the Unix epoch, UTC
	results int
}

// NewMemLog returns an empty log keeping up to capacity queries.
func NewMemLog(capacity int, halfLifeDays float64) *MemLog {
	d := DefaultConfig()
	if capacity <= 0 {
		capacity = d.LogCapacity
	}
	if halfLifeDays <= 0 {
		halfLifeDays = d.HalfLifeDays
	}
	return &MemLog{capacity: capacity, halfLife: halfLifeDays, entries: map[string]*logEntry{}}
}

func dayOf(t time.Time) int64 { return t.Unix() / 86400 }

// decayed is e's count as of day.
func (l *MemLog) decayed(e *logEntry, day int64) float64 {
	if day <= e.day {
		return e.count
	}
	return e.count * math.Exp2(-float64(day-e.day)/l.halfLife)
}

// Observe implements QueryLog. Searches that found nothing are not counted.
func (l *MemLog) Observe(query string, results int, at time.Time) {
	if query == "" || results == 0 {
		return
	}
	day := dayOf(at)
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[query]
	if !ok {
		e = &logEntry{day: day}
		l.entries[query] = e
	}
	e.count = l.decayed(e, day) + 1
	e.day = max(e.day, day)
	e.results = results
	if len(l.entries) > l.capacity {
		l.prune(day)
	}
}

// prune forgets the least searched queries down to nine tenths of capacity.
func (l *MemLog) prune(day int64) {
	type kc struct {
		k string
		c float64
	}
	all := make([]kc, 0, len(l.entries))
	for k, e := range l.entries {
		all = append(all, kc{k, l.decayed(e, day)})
	}
	slices.SortFunc(all, func(a, b kc) int { return cmp.Compare(a.c, b.c) })
	for _, x := range all[:len(all)-l.capacity*9/10] {
		delete(l.entries, x.k)
	}
}

// Top implements QueryLog.
func (l *MemLog) Top(n int, at time.Time) []Logged {
	day := dayOf(at)
	l.mu.Lock()
	out := make([]Logged, 0, len(l.entries))
	for k, e := range l.entries {
		out = append(out, Logged{Query: k, Count: l.decayed(e, day), Results: e.results})
	}
	l.mu.Unlock()
	slices.SortFunc(out, func(a, b Logged) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Query, b.Query)
	})
	return out[:min(n, len(out))]
}

// Len is the number of queries held.
func (l *MemLog) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// MergedLog is a QueryLog over Own — this process's searches — that at
// every Top also reads Others' counts (the search events a behaviour store
// shared by replicas counted), taking for each query the larger of the two:
// a storefront reports as an event a search it also ran through the API, so
// adding them would count it twice. Queries only Others knows have unknown
// results, so a build checks them with Count.
type MergedLog struct {
	Own    QueryLog
	Others func(n int) []models.QueryCount // nil or empty: Own alone
}

func (l *MergedLog) Observe(query string, results int, at time.Time) {
	l.Own.Observe(query, results, at)
}

func (l *MergedLog) Top(n int, at time.Time) []Logged {
	own := l.Own.Top(n, at)
	if l.Others == nil {
		return own
	}
	others := l.Others(n)
	if len(others) == 0 {
		return own
	}
	byQuery := make(map[string]int, len(own)+len(others))
	for i, q := range own {
		byQuery[q.Query] = i
	}
	maxRunes := DefaultConfig().MaxQueryRunes
	for _, q := range others {
		d, ok := loggable(q.Query, maxRunes)
		if !ok {
			continue
		}
		if i, ok := byQuery[d]; ok {
			own[i].Count = max(own[i].Count, float64(q.Count))
			continue
		}
		byQuery[d] = len(own)
		own = append(own, Logged{Query: d, Count: float64(q.Count), Results: -1})
	}
	slices.SortStableFunc(own, func(a, b Logged) int { return cmp.Compare(b.Count, a.Count) })
	return own[:min(n, len(own))]
}
