package rank

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shopsearch/models"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(5 * time.Millisecond) // polling, with a deadline
	}
}

// TestWatch: a replica watching the store picks up another's profile and
// rule saves; while the store fails it logs once, keeps what it had and
// keeps polling, and catches up when the store is back.
func TestWatch(t *testing.T) {
	st, _ := openState(t, "")
	writerProfiles, writerRules := newProfiles(t, st), newRulebook(t, st)
	profiles, rules := newProfiles(t, st), newRulebook(t, st)

	var failing atomic.Bool
	var polls atomic.Int64
	version := func(ctx context.Context) (uint64, error) {
		polls.Add(1)
		if failing.Load() {
			return 0, errors.New("connection refused")
		}
		return st.Version(ctx)
	}
	var mu sync.Mutex
	var logs []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(format, args...))
	}
	logged := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), logs...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(ctx, 10*time.Millisecond, version, logf, profiles.Reload, rules.Reload)
	}()
	t.Cleanup(func() { cancel(); <-done })

	mustPut(t, writerProfiles, profile("promo", map[string]float64{"promo": 1}))
	waitFor(t, "the replica sees the profile", 2*time.Second, func() bool {
		wp, ok := profiles.Get("promo")
		return ok && wp.Version == 1
	})
	saved := mustPutRule(t, writerRules, models.Rule{Query: "手机", Action: models.RulePin, ItemID: "p1", Position: 1})
	waitFor(t, "the replica sees the rule", 2*time.Second, func() bool {
		_, ok := rules.Get(saved.ID)
		return ok
	})

	failing.Store(true)
	mustPut(t, writerProfiles, profile("promo", map[string]float64{"promo": 2}))
	n := polls.Load()
	waitFor(t, "polling goes on", 2*time.Second, func() bool { return polls.Load() >= n+10 })
	if wp, _ := profiles.Get("promo"); wp.Version != 1 {
		t.Errorf("while failing: version %d, want 1 kept", wp.Version)
	}
	if l := logged(); len(l) != 1 || !strings.Contains(l[0], "connection refused") {
		t.Errorf("while failing, logged %q; want the first failure only", l)
	}

	failing.Store(false)
	waitFor(t, "the replica catches up", 2*time.Second, func() bool {
		wp, _ := profiles.Get("promo")
		return wp.Version == 2
	})
	waitFor(t, "the recovery is logged", 2*time.Second, func() bool { return len(logged()) == 2 })
	if l := logged(); !strings.Contains(l[1], "back") {
		t.Errorf("recovery logged as %q", l[1])
	}
}

// TestWatchReloadFails: a failed reload is retried at the next poll even
// though the version has not changed since.
func TestWatchReloadFails(t *testing.T) {
	var calls, polls atomic.Int64
	reload := func() error {
		if calls.Add(1) <= 3 {
			return errors.New("half-written")
		}
		return nil
	}
	version := func(context.Context) (uint64, error) { polls.Add(1); return 7, nil }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(ctx, time.Millisecond, version, nil, reload)
	}()
	waitFor(t, "the reload is retried until it succeeds", 2*time.Second, func() bool { return calls.Load() >= 4 })
	n, p := calls.Load(), polls.Load()
	waitFor(t, "polling goes on", 2*time.Second, func() bool { return polls.Load() >= p+10 })
	cancel()
	<-done
	if calls.Load() != n {
		t.Errorf("reloaded %d times after succeeding at an unchanged version", calls.Load()-n)
	}
}
