package server

import (
	"fmt"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// rateLimit is a token bucket per client address: golang.org/x/time/rate's
// Limiter, asked with the server's injected clock (AllowN takes the time),
// so tests fix that clock. The addresses are kept in a bounded LRU
// (github.com/hashicorp/golang-lru/v2): a flood of spoofed addresses
// pushes out the least recently seen ones and cannot exhaust memory (the
// fraud rules still cap what they count). An address pushed out comes back
// with a full bucket.
type rateLimit struct {
	rate  rate.Limit
	burst int

	mu      sync.Mutex // makes finding or adding an address's limiter one step
	buckets *lru.Cache[string, *rate.Limiter]
}

// maxBuckets bounds the addresses a rateLimit remembers.
const maxBuckets = 100_000

func newRateLimit(perSecond float64, burst int) *rateLimit {
	return newRateLimitOf(perSecond, burst, maxBuckets)
}

func newRateLimitOf(perSecond float64, burst, addresses int) *rateLimit {
	buckets, err := lru.New[string, *rate.Limiter](addresses)
	if err != nil { // only for addresses ≤ 0: a programming error
		panic(fmt.Sprintf("server: rate limit over %d addresses: %v", addresses, err))
	}
	return &rateLimit{rate: rate.Limit(perSecond), burst: burst, buckets: buckets}
}

// allow takes one token of ip's bucket at now, and says whether it had one.
func (l *rateLimit) allow(ip string, now time.Time) bool {
	l.mu.Lock()
	lim, ok := l.buckets.Get(ip)
	if !ok {
		lim = rate.NewLimiter(l.rate, l.burst)
		l.buckets.Add(ip, lim)
	}
	l.mu.Unlock()
	return lim.AllowN(now, 1)
}
