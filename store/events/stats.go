package events

import (
	"context"
	"fmt"
	"sync"
	"time"

	"shopsearch/models"
)

// StatsStore is what the statistics read of a behaviour store.
type StatsStore interface {
	ChangedItems(ctx context.Context, since time.Time) ([]string, error)
	ItemWindows(ctx context.Context, items []string, today int64) ([]models.ItemWindows, error)
}

// Beta is a Beta(Alpha, Beta) prior of a rate.
type Beta struct {
	Alpha float64 `json:"alpha"`
	Beta  float64 `json:"beta"`
}

// Mean is the prior's mean.
func (b Beta) Mean() float64 { return b.Alpha / (b.Alpha + b.Beta) }

// Smooth is the posterior mean of the rate after hits of trials.
func (b Beta) Smooth(hits, trials int64) float64 {
	return (float64(hits) + b.Alpha) / (float64(trials) + b.Alpha + b.Beta)
}

// FitBeta fits a Beta to observed rates by the method of moments: with
// mean m and variance v, α + β = m(1−m)/v − 1. It returns def when there
// are fewer than 30 rates or they do not fit a Beta (no variance, or more
// than a Beta of that mean can have).
//
// (rank fits its CTR prior to the ranking columns the same way.)
func FitBeta(rates []float64, def Beta) Beta {
	if len(rates) < 30 {
		return def
	}
	var m, v float64
	for _, r := range rates {
		m += r
	}
	m /= float64(len(rates))
	for _, r := range rates {
		v += (r - m) * (r - m)
	}
	v /= float64(len(rates))
	if m <= 0 || m >= 1 || v <= m*(1-m)*1e-9 || v >= m*(1-m) { // (no variance, up to rounding)
		return def
	}
	k := m*(1-m)/v - 1
	return Beta{Alpha: m * k, Beta: (1 - m) * k}
}

// StatsConfig configures the statistics. Zero fields take the values of
// DefaultStatsConfig.
type StatsConfig struct {
	Interval time.Duration // between pushes
	// Overlap: each push re-reads the items changed this long before the
	// previous one, for the clock skew between replicas writing Redis.
	Overlap        time.Duration
	MinImpressions int64 // items with fewer do not fit the CTR prior
	MinClicks      int64 // items with fewer do not fit the conversion prior
	CTRPrior       Beta  // when too few items fit it
	CVRPrior       Beta
	Now            func() time.Time
	Logf           func(format string, args ...any)
}

// DefaultStatsConfig returns the defaults: a push every half second (so
// that replicas rank with each other's events within a second), the
// priors of a 2 % CTR and a 2 % conversion rate.
func DefaultStatsConfig() StatsConfig {
	return StatsConfig{Interval: 500 * time.Millisecond, Overlap: 2 * time.Second, MinImpressions: 100, MinClicks: 20,
		CTRPrior: Beta{2, 98}, CVRPrior: Beta{1, 49}, Now: time.Now}
}

// Stats computes the per-item statistics from the behaviour store and
// pushes those of the items that changed to apply (the ranking feature
// store), every Interval. It is safe for concurrent use.
type Stats struct {
	cfg   StatsConfig
	st    StatsStore
	apply func([]models.ItemStats) error

	mu       sync.Mutex
	day30    map[string]models.ItemCounts // every item with behaviour in the last 30 days
	ctr, cvr Beta
	since    time.Time // of the last push; zero before the first
	day      int64     // of the last push
	err      error     // of the last push
}

// NewStats returns the statistics of st, pushed to apply.
func NewStats(cfg StatsConfig, st StatsStore, apply func([]models.ItemStats) error) *Stats {
	d := DefaultStatsConfig()
	if cfg.Interval <= 0 {
		cfg.Interval = d.Interval
	}
	if cfg.Overlap <= 0 {
		cfg.Overlap = d.Overlap
	}
	if cfg.MinImpressions <= 0 {
		cfg.MinImpressions = d.MinImpressions
	}
	if cfg.MinClicks <= 0 {
		cfg.MinClicks = d.MinClicks
	}
	if cfg.CTRPrior.Alpha <= 0 || cfg.CTRPrior.Beta <= 0 {
		cfg.CTRPrior = d.CTRPrior
	}
	if cfg.CVRPrior.Alpha <= 0 || cfg.CVRPrior.Beta <= 0 {
		cfg.CVRPrior = d.CVRPrior
	}
	if cfg.Now == nil {
		cfg.Now = d.Now
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	return &Stats{cfg: cfg, st: st, apply: apply, day30: map[string]models.ItemCounts{}, ctr: cfg.CTRPrior, cvr: cfg.CVRPrior}
}

// readChunk is how many items' counters one store read asks for.
const readChunk = 1000

// Push reads the items changed since the last push (every item with
// behaviour in 30 days at the first push of a day, so that windows slide),
// refits the priors and pushes the items' statistics; it returns how many
// it pushed.
func (s *Stats) Push(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.push(ctx)
	s.err = err
	return n, err
}

func (s *Stats) push(ctx context.Context) (int, error) {
	now := s.cfg.Now()
	today := now.Unix() / 86400
	full := s.since.IsZero() || today != s.day
	since := s.since.Add(-s.cfg.Overlap)
	if full {
		since = now.Add(-31 * 24 * time.Hour)
	}
	ids, err := s.st.ChangedItems(ctx, since)
	if err != nil {
		return 0, err
	}
	if full { // and those whose windows emptied
		seen := make(map[string]bool, len(ids))
		for _, id := range ids {
			seen[id] = true
		}
		for id := range s.day30 {
			if !seen[id] {
				ids = append(ids, id)
			}
		}
	}
	windows := make([]models.ItemWindows, 0, len(ids))
	for start := 0; start < len(ids); start += readChunk {
		w, err := s.st.ItemWindows(ctx, ids[start:min(start+readChunk, len(ids))], today)
		if err != nil {
			return 0, err
		}
		windows = append(windows, w...)
	}
	for _, w := range windows {
		if w.Day30 == (models.ItemCounts{}) {
			delete(s.day30, w.ID)
		} else {
			s.day30[w.ID] = w.Day30
		}
	}
	s.fit()
	out := make([]models.ItemStats, len(windows))
	for i, w := range windows {
		out[i] = s.stats(w)
	}
	if len(out) > 0 {
		if err := s.apply(out); err != nil {
			return 0, err
		}
	}
	s.since, s.day = now, today
	return len(out), nil
}

// fit refits the priors to the items' 30-day rates.
func (s *Stats) fit() {
	var ctrs, cvrs []float64
	for _, c := range s.day30 {
		if c.Impressions >= s.cfg.MinImpressions {
			ctrs = append(ctrs, min(1, float64(c.Clicks)/float64(c.Impressions)))
		}
		if c.Clicks >= s.cfg.MinClicks {
			cvrs = append(cvrs, min(1, float64(c.Purchases)/float64(c.Clicks)))
		}
	}
	s.ctr, s.cvr = FitBeta(ctrs, s.cfg.CTRPrior), FitBeta(cvrs, s.cfg.CVRPrior)
}

func (s *Stats) stats(w models.ItemWindows) models.ItemStats {
	c := w.Day30
	return models.ItemStats{ItemWindows: w,
		CTR: s.ctr.Smooth(min(c.Clicks, c.Impressions), c.Impressions),
		CVR: s.cvr.Smooth(min(c.Purchases, c.Clicks), c.Clicks)}
}

// Item returns the statistics of one item, read now.
func (s *Stats) Item(ctx context.Context, id string) (models.ItemStats, error) {
	w, err := s.st.ItemWindows(ctx, []string{id}, s.cfg.Now().Unix()/86400)
	if err != nil {
		return models.ItemStats{}, err
	}
	if len(w) != 1 {
		return models.ItemStats{}, fmt.Errorf("events: item windows: %d results for one item", len(w))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats(w[0]), nil
}

// Priors returns the priors of the last push.
func (s *Stats) Priors() (ctr, cvr Beta) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctr, s.cvr
}

// Err is the error of the last push, nil when it worked.
func (s *Stats) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Run pushes every Interval until ctx ends, logging a failure when it
// starts and when it ends.
func (s *Stats) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	failing := false
	for {
		if _, err := s.Push(ctx); err != nil && ctx.Err() == nil {
			if !failing {
				s.cfg.Logf("events: statistics push failed (retrying every %v): %v", s.cfg.Interval, err)
			}
			failing = true
		} else if failing && err == nil {
			s.cfg.Logf("events: statistics push works again")
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
