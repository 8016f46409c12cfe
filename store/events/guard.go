package events

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"

	"shopsearch/models"
)

// Reader is what the request path (recommendations) reads of a behaviour
// store: a shopper's recent behaviour and what a slot showed them.
type Reader interface {
	RecentBehavior(ctx context.Context, actor string, t models.EventType, n int) ([]models.Behavior, error)
	Exposed(ctx context.Context, actor, slot string) ([]string, error)
}

// GuardConfig configures a Guard. Zero fields take the values of
// DefaultGuardConfig.
type GuardConfig struct {
	// Timeout bounds each read: well under a recommendation slot's budget,
	// so that a Redis that hangs costs a slot at most a few of them before
	// the breaker opens.
	Timeout time.Duration
	// Failures in a row open the breaker; it then answers from memory for
	// OpenFor, lets one read through to probe the store, and closes when it
	// works.
	Failures uint32
	OpenFor  time.Duration
	// Actors is how many shoppers' recent behaviour the memory keeps (the
	// most recently active; at most twice this many at a time).
	Actors int
	// LogEvery rate-limits the breaker's log lines: one per state change,
	// at most one per LogEvery (a flapping store's changes in between are
	// counted in the next line).
	LogEvery time.Duration
	Logf     func(format string, args ...any)
	Now      func() time.Time // the clock of the log's rate limit and the memory's exposures
}

// DefaultGuardConfig returns the defaults: reads of at most 25 ms, the
// breaker open after 3 failures in a row, for 2 s at a time; 100,000
// shoppers in memory; a log line at most every 10 s.
func DefaultGuardConfig() GuardConfig {
	return GuardConfig{Timeout: 25 * time.Millisecond, Failures: 3, OpenFor: 2 * time.Second, Actors: 100_000,
		LogEvery: 10 * time.Second, Now: time.Now}
}

// Guard puts a deadline and a circuit breaker around a behaviour store's
// reads for the request path, and answers from memory — the recent
// behaviour and exposures of the events this process accepted (Observe) —
// when the store fails or the breaker is open, so that recommendations
// keep their latency and their shopper's recent items while Redis is
// refused or hung. Its reads never fail: a failure is answered from
// memory. It is safe for concurrent use.
//
// The breaker is github.com/sony/gobreaker/v2. Its open period is a
// latency timeout like the reads' deadlines, not a window of data, so it
// runs on the monotonic clock (gobreaker's).
type Guard struct {
	st  Reader
	cfg GuardConfig
	cb  *gobreaker.CircuitBreaker[any]
	mem memory

	logMu      sync.Mutex
	lastLog    time.Time
	suppressed int  // openings not logged since the last line
	openLogged bool // the current opening was logged
	probes     int  // failed since it was
}

// NewGuard returns a guard over st.
func NewGuard(cfg GuardConfig, st Reader) *Guard {
	d := DefaultGuardConfig()
	if cfg.Timeout <= 0 {
		cfg.Timeout = d.Timeout
	}
	if cfg.Failures == 0 {
		cfg.Failures = d.Failures
	}
	if cfg.OpenFor <= 0 {
		cfg.OpenFor = d.OpenFor
	}
	if cfg.Actors <= 0 {
		cfg.Actors = d.Actors
	}
	if cfg.LogEvery <= 0 {
		cfg.LogEvery = d.LogEvery
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Now == nil {
		cfg.Now = d.Now
	}
	g := &Guard{st: st, cfg: cfg, mem: memory{max: cfg.Actors, ttl: DefaultConfig().ExposureTTL}}
	g.cb = gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
		Name:        "behaviour store",
		Timeout:     cfg.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= cfg.Failures },
		// A caller that went away is not the store's failure.
		IsExcluded:    func(err error) bool { return errors.Is(err, errCallerGone) },
		OnStateChange: func(_ string, from, to gobreaker.State) { g.logChange(from, to) },
	})
	return g
}

var errCallerGone = errors.New("events: the caller went away")

// State is the breaker's state: "closed" (reading the store), "open"
// (answering from memory) or "half-open" (probing).
func (g *Guard) State() string { return g.cb.State().String() }

// logChange logs the breaker opening and closing, one line each: the
// probes in between (half-open, open again) are counted in the closing
// line; an opening within LogEvery of the last line (a flapping store) is
// not logged, nor its closing, but counted in the next line.
func (g *Guard) logChange(from, to gobreaker.State) {
	g.logMu.Lock()
	defer g.logMu.Unlock()
	now := g.cfg.Now()
	switch {
	case to == gobreaker.StateHalfOpen:
		return
	case from == gobreaker.StateHalfOpen && to == gobreaker.StateOpen:
		g.probes++
		return
	case to == gobreaker.StateOpen:
		if !g.lastLog.IsZero() && now.Sub(g.lastLog) < g.cfg.LogEvery {
			g.suppressed++
			g.openLogged = false
			return
		}
		more := ""
		if g.suppressed > 0 {
			more = " (it also opened " + strconv.Itoa(g.suppressed) + " times since the last line)"
		}
		g.cfg.Logf("events: the behaviour store failed %d reads in a row (deadline %v); recommendations read the shoppers' recent behaviour from memory, probing every %v%s",
			g.cfg.Failures, g.cfg.Timeout, g.cfg.OpenFor, more)
		g.lastLog, g.suppressed, g.openLogged, g.probes = now, 0, true, 0
	case to == gobreaker.StateClosed && g.openLogged:
		g.cfg.Logf("events: the behaviour store answers again (after %d failed probes); recommendations read it", g.probes)
		g.lastLog, g.openLogged, g.probes = now, false, 0
	}
}

// call runs read with the deadline, through the breaker.
func call[T any](ctx context.Context, g *Guard, read func(ctx context.Context) (T, error)) (T, error) {
	v, err := g.cb.Execute(func() (any, error) {
		cctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
		defer cancel()
		v, err := read(cctx)
		if err != nil && ctx.Err() != nil {
			return nil, errCallerGone
		}
		return v, err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// RecentBehavior reads the store, or memory when it fails.
func (g *Guard) RecentBehavior(ctx context.Context, actor string, t models.EventType, n int) ([]models.Behavior, error) {
	out, err := call(ctx, g, func(ctx context.Context) ([]models.Behavior, error) { return g.st.RecentBehavior(ctx, actor, t, n) })
	if err != nil {
		return g.mem.recent(actor, t, n), nil
	}
	return out, nil
}

// Exposed reads the store, or memory when it fails.
func (g *Guard) Exposed(ctx context.Context, actor, slot string) ([]string, error) {
	out, err := call(ctx, g, func(ctx context.Context) ([]string, error) { return g.st.Exposed(ctx, actor, slot) })
	if err != nil {
		return g.mem.exposed(actor, slot, g.cfg.Now()), nil
	}
	return out, nil
}

// Observe remembers valid events (the ingester's Config.Observe) for the
// answers from memory.
func (g *Guard) Observe(evs []models.Event) { g.mem.observe(evs) }

// memKeep is how many entries of a type, and items of a slot, memory keeps
// per shopper: what a slot reads (server.recRecent is 30).
const memKeep = 50

// memory is the recent behaviour and exposures of the shoppers of the
// events observed, in two generations: when the current one holds max
// shoppers it becomes the old one and the oldest generation is dropped.
type memory struct {
	mu       sync.Mutex
	max      int
	ttl      time.Duration // of an exposure
	cur, old map[string]*shopperMemory
}

type shopperMemory struct {
	recent  map[models.EventType][]models.Behavior // oldest first
	exposed map[string][]exposure                  // by slot, oldest first
}

type exposure struct {
	item    string
	expires time.Time
}

func (m *memory) get(actor string, create bool) *shopperMemory {
	if s := m.cur[actor]; s != nil {
		return s
	}
	s := m.old[actor]
	if s == nil && !create {
		return nil
	}
	if s == nil {
		s = &shopperMemory{}
	}
	if m.cur == nil || len(m.cur) >= m.max {
		m.old, m.cur = m.cur, make(map[string]*shopperMemory)
	}
	m.cur[actor] = s
	return s
}

func (m *memory) observe(evs []models.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range evs {
		e := &evs[i]
		s := m.get(Actor(e), true)
		if e.Type == models.EventImpression {
			if s.exposed == nil {
				s.exposed = map[string][]exposure{}
			}
			slot := SlotKey(e.Scene, e.Slot)
			for _, id := range e.Items {
				s.exposed[slot] = keepLast(append(s.exposed[slot], exposure{id, e.Time.Add(m.ttl)}))
			}
			continue
		}
		if s.recent == nil {
			s.recent = map[models.EventType][]models.Behavior{}
		}
		s.recent[e.Type] = keepLast(append(s.recent[e.Type], models.Behavior{Type: e.Type, ItemID: e.ItemID, Query: e.Query, At: e.Time}))
	}
}

func keepLast[T any](s []T) []T {
	if len(s) > memKeep {
		return append(s[:0:0], s[len(s)-memKeep:]...)
	}
	return s
}

// recent returns the actor's newest n entries of type t, newest first (as
// the stores do).
func (m *memory) recent(actor string, t models.EventType, n int) []models.Behavior {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.get(actor, false)
	if s == nil {
		return nil
	}
	r := s.recent[t]
	out := slices.Clone(r[max(0, len(r)-n):])
	slices.Reverse(out)
	return out
}

func (m *memory) exposed(actor, slot string, now time.Time) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.get(actor, false)
	if s == nil {
		return nil
	}
	var out []string
	for _, x := range s.exposed[slot] {
		if x.expires.After(now) {
			out = append(out, x.item)
		}
	}
	return out
}
