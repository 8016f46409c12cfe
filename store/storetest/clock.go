package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"shopsearch/models"
)

// Clock is a test's settable clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// RunClock checks that a store keeps time by the clock it is given, not
// by the wall clock: open returns a new, empty store on clock. The clock
// starts a year before the wall clock, so a store that reads time.Now()
// sees every record as long expired.
func RunClock(t *testing.T, open func(t *testing.T, clock func() time.Time) BehaviorStore) {
	c := NewClock(time.Now().AddDate(-1, 0, 0).Truncate(time.Second))
	s := open(t, c.Now)
	now := c.Now()
	record(t, s, models.BehaviorBatch{
		Exposures: []models.Exposure{
			{Actor: "u:1", Slot: "home", Item: "a", At: now, TTL: time.Hour},
			{Actor: "u:1", Slot: "home", Item: "b", At: now.Add(time.Second), TTL: 2 * time.Hour},
		},
		Recent: []models.RecentEntry{{Actor: "u:1", B: models.Behavior{Type: models.EventClick, ItemID: "a", At: now}}},
	})
	if got, _ := s.Exposed(ctx, "u:1", "home"); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("exposures on the store's clock: %v, want [b a]", got)
	}
	if got, _ := s.RecentBehavior(ctx, "u:1", models.EventClick, 5); len(got) != 1 {
		t.Errorf("recent clicks on the store's clock: %v, want one", got)
	}
	c.Advance(90 * time.Minute)
	if got, _ := s.Exposed(ctx, "u:1", "home"); !slices.Equal(got, []string{"b"}) {
		t.Errorf("90 minutes later by the store's clock: %v, want [b]", got)
	}
	c.Advance(time.Hour)
	if got, _ := s.Exposed(ctx, "u:1", "home"); len(got) != 0 {
		t.Errorf("150 minutes later by the store's clock: %v, want none", got)
	}
}
