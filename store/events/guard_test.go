package events

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"

	"shopsearch/models"
	"shopsearch/store"
	"shopsearch/store/redistest"
)

// TestGuardRedisFaults: with Redis refused (stopped), hung (SIGSTOP) or
// paused (CLIENT PAUSE), the guard's reads answer from memory — the
// shopper's recent behaviour this process saw — without error; the breaker
// opens after Failures reads and logs once per change; when Redis is back
// a probe closes it and reads come from Redis again.
func TestGuardRedisFaults(t *testing.T) {
	srv := redistest.StartServer(t)
	r, err := store.OpenRedis(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var logMu sync.Mutex
	var lines []string
	logf := func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}
	logged := func() []string {
		logMu.Lock()
		defer logMu.Unlock()
		return append([]string(nil), lines...)
	}
	g := NewGuard(GuardConfig{OpenFor: 300 * time.Millisecond, LogEvery: time.Millisecond, Logf: logf}, r)
	in := New(Config{Observe: g.Observe, ClicksWithoutImpression: true}, r)
	if _, err := in.Ingest(ctx, []models.Event{
		{Type: "click", UserID: "u1", ItemID: "a"},
		{Type: "click", UserID: "u1", ItemID: "b"},
		{Type: "impression", UserID: "u1", Scene: "home", Slot: "home", Items: []string{"x", "y"}},
	}, ""); err != nil {
		t.Fatal(err)
	}
	read := func(when string) {
		t.Helper()
		start := time.Now()
		got, err := g.RecentBehavior(ctx, "u:u1", models.EventClick, 10)
		took := time.Since(start)
		if err != nil || len(got) != 2 || got[0].ItemID != "b" || got[1].ItemID != "a" {
			t.Errorf("%s: recent clicks %+v, %v; want b, a", when, got, err)
		}
		shown, err := g.Exposed(ctx, "u:u1", "home/home")
		if err != nil || strings.Join(shown, ",") != "x,y" && strings.Join(shown, ",") != "y,x" {
			t.Errorf("%s: exposed %v, %v; want x and y", when, shown, err)
		}
		t.Logf("%s: a read in %v, breaker %s", when, took.Round(time.Microsecond), g.State())
	}
	// waitClosed reads until a probe closes the breaker (at most 10 s).
	waitClosed := func(when string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for g.State() != "closed" {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the breaker is %s 10s after Redis came back", when, g.State())
			}
			read(when + ", probing")
			time.Sleep(50 * time.Millisecond) // polling, with a deadline
		}
	}
	read("Redis up")

	faults := []struct {
		name        string
		start, stop func()
	}{
		{"refused", srv.Stop, srv.Restart},
		{"hung (SIGSTOP)", srv.Pause, srv.Resume},
		{"paused (CLIENT PAUSE)", func() {
			admin := redis.NewClient(&redis.Options{Addr: srv.Addr})
			defer admin.Close()
			if err := admin.Do(ctx, "CLIENT", "PAUSE", "1500", "ALL").Err(); err != nil {
				t.Fatal(err)
			}
		}, func() {}},
	}
	for _, f := range faults {
		before := len(logged())
		f.start()
		for i := range 10 {
			read(fmt.Sprintf("%s, read %d", f.name, i))
		}
		if g.State() != "open" {
			t.Errorf("%s: breaker %s after 10 reads, want open", f.name, g.State())
		}
		f.stop()
		waitClosed(f.name + ": back")
		read(f.name + ": back")
		got := logged()[before:]
		t.Logf("%s: logged %q", f.name, got)
		// One line when it opened, one when it closed (the probes between
		// are counted in it).
		if len(got) != 2 || !strings.Contains(got[0], "from memory") || !strings.Contains(got[1], "answers again") {
			t.Errorf("%s: log lines %q; want one when it opened and one when it closed", f.name, got)
		}
	}
}

// TestGuardMemory: the memory keeps the newest entries per type, the
// recent shoppers, and forgets expired exposures.
func TestGuardMemory(t *testing.T) {
	m := memory{max: 2, ttl: time.Hour}
	var evs []models.Event
	for i := range memKeep + 5 {
		evs = append(evs, models.Event{Type: models.EventClick, UserID: "u1", ItemID: fmt.Sprint("i", i), Time: now})
	}
	m.observe(evs)
	if got := m.recent("u:u1", models.EventClick, 100); len(got) != memKeep || got[0].ItemID != fmt.Sprint("i", memKeep+4) {
		t.Errorf("kept %d, newest %+v", len(got), got[0])
	}
	m.observe([]models.Event{{Type: models.EventImpression, SessionID: "s", Scene: "home", Slot: "home", Items: []string{"x"}, Time: now}})
	if got := m.exposed("s:s", "home/home", now.Add(2*time.Hour)); len(got) != 0 {
		t.Errorf("expired exposures %v", got)
	}
	m.observe([]models.Event{{Type: models.EventClick, UserID: "u2", ItemID: "z", Time: now}, {Type: models.EventClick, UserID: "u3", ItemID: "z", Time: now}})
	m.observe([]models.Event{{Type: models.EventClick, UserID: "u4", ItemID: "z", Time: now}, {Type: models.EventClick, UserID: "u5", ItemID: "z", Time: now}})
	if got := m.recent("u:u1", models.EventClick, 1); got != nil {
		t.Errorf("u1 kept past two generations: %+v", got)
	}
}

// TestGuardLogRateLimit: a store that flaps opens the breaker more often
// than LogEvery: those openings and closings are not logged, but counted
// in the next line.
func TestGuardLogRateLimit(t *testing.T) {
	at := now
	var lines []string
	g := NewGuard(GuardConfig{LogEvery: time.Minute, Now: func() time.Time { return at },
		Logf: func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }}, nil)
	flap := func() {
		g.logChange(gobreaker.StateClosed, gobreaker.StateOpen)
		g.logChange(gobreaker.StateOpen, gobreaker.StateHalfOpen)
		g.logChange(gobreaker.StateHalfOpen, gobreaker.StateOpen) // a probe failed
		g.logChange(gobreaker.StateOpen, gobreaker.StateHalfOpen)
		g.logChange(gobreaker.StateHalfOpen, gobreaker.StateClosed)
		at = at.Add(time.Second)
	}
	for range 5 {
		flap()
	}
	at = at.Add(time.Minute)
	flap()
	if len(lines) != 4 || !strings.Contains(lines[1], "after 1 failed probes") || !strings.Contains(lines[2], "opened 4 times") {
		t.Errorf("log lines %q; want the first opening and closing, then the one a minute later with the 4 between counted", lines)
	}
}
