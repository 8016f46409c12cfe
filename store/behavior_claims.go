package store

import (
	"maps"
	"sync"

	"shopsearch/models"
)

// memClaims are claims and counters with expiry times (Unix ms).
type memClaims struct {
	mu   sync.Mutex
	once map[string]int64
	ctrs map[string]memCounter
}

type memCounter struct{ exp, n int64 }

// maxClaims bounds the claims and counters kept: past it the expired go,
// and when none has, all (the rules fail open rather than exhaust memory).
const maxClaims = 4 << 20

func (m *memClaims) admit(a models.Admission, now int64) models.Admitted {
	out := models.Admitted{Seen: make([]bool, len(a.Seen)), First: make([]bool, len(a.Once)), Counts: make([]int64, len(a.Counters))}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.once == nil {
		m.once, m.ctrs = map[string]int64{}, map[string]memCounter{}
	}
	if len(m.once)+len(m.ctrs) > maxClaims {
		m.sweepLocked(now)
		if len(m.once)+len(m.ctrs) > maxClaims/2 {
			clear(m.once)
			clear(m.ctrs)
		}
	}
	for i, k := range a.Seen {
		out.Seen[i] = m.once[k] > now
	}
	for i, k := range a.Once {
		if m.once[k] > now {
			continue
		}
		out.First[i] = true
		m.once[k] = now + a.OnceTTL.Milliseconds()
	}
	for i, k := range a.Counters {
		c := m.ctrs[k]
		if c.exp <= now {
			c = memCounter{exp: now + a.CounterTTL.Milliseconds()}
		}
		c.n++
		m.ctrs[k] = c
		out.Counts[i] = c.n
	}
	return out
}

func (m *memClaims) sweep(now int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(now)
}

func (m *memClaims) sweepLocked(now int64) {
	maps.DeleteFunc(m.once, func(_ string, exp int64) bool { return exp <= now })
	maps.DeleteFunc(m.ctrs, func(_ string, c memCounter) bool { return c.exp <= now })
}
