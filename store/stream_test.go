package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/store"
	"shopsearch/store/redistest"
)

func newStream(t *testing.T, url string) *store.Stream {
	t.Helper()
	r, err := store.NewRedis(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r.Stream(0)
}

// logApplier records the payloads it applies, in order; "bad" payloads
// are a domain error.
type logApplier struct {
	mu  sync.Mutex
	got []string
}

func (l *logApplier) apply(_ context.Context, data []byte) (any, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if string(data) == "bad" {
		return nil, models.Errorf(models.EINVALID, "bad payload")
	}
	l.got = append(l.got, string(data))
	return len(l.got), nil
}

func (l *logApplier) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.got...)
}

func startReplica(t *testing.T, st *store.Stream, pos string) (*store.Replica, *logApplier, func()) {
	t.Helper()
	rep, err := store.NewReplica(st, store.ReplicaConfig{PositionFile: pos, Block: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	l := &logApplier{}
	rep.Handle("w", l.apply)
	if err := rep.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); rep.Run(ctx) }()
	stop := sync.OnceFunc(func() { cancel(); <-done })
	t.Cleanup(stop)
	return rep, l, stop
}

// TestReplicaAppliesInOrder: two replicas on one stream apply every write
// of either in the same order; a write answers with its own outcome on
// the replica that took it (a domain error included); a replica stopped
// resumes after its saved position, and one whose position was trimmed
// away reports the gap.
func TestReplicaAppliesInOrder(t *testing.T) {
	url := redistest.Start(t)
	dir := t.TempDir()
	st := newStream(t, url)
	a, la, _ := startReplica(t, st, filepath.Join(dir, "a.pos"))
	b, lb, stopB := startReplica(t, st, filepath.Join(dir, "b.pos"))
	ctx := context.Background()
	for i, w := range []*store.Replica{a, b, a, b} {
		v, err := w.Write(ctx, "w", []byte{'0' + byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		if v != i+1 { // applied here before the answer
			t.Errorf("write %d: outcome %v, want %d", i, v, i+1)
		}
	}
	if _, err := a.Write(ctx, "w", []byte("bad")); models.ErrorCode(err) != models.EINVALID {
		t.Errorf("a bad write: %v, want its invalid outcome", err)
	}
	if _, err := a.Write(ctx, "unknown", nil); err == nil {
		t.Error("a write of a kind with no applier was taken")
	}
	want := []string{"0", "1", "2", "3"}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Join(lb.all(), "") != "0123" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling, with a deadline
	}
	if got := la.all(); strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("a applied %v, want %v", got, want)
	}
	if got := lb.all(); strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("b applied %v, want %v", got, want)
	}

	// b stops; a writes; b resumes after its saved position.
	deadline = time.Now().Add(5 * time.Second)
	for b.Position() != a.Position() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling, with a deadline
	}
	stopB()
	a.Write(ctx, "w", []byte("4"))
	a.Write(ctx, "w", []byte("5"))
	_, lb2, stopB2 := startReplica(t, st, filepath.Join(dir, "b.pos"))
	if got := strings.Join(lb2.all(), ""); got != "45" {
		t.Errorf("b after its restart applied %q, want 45", got)
	}
	stopB2()

	// b stops again; a writes three; the stream is trimmed to the last:
	// b reports the gap and applies what is left.
	a.Write(ctx, "w", []byte("6"))
	a.Write(ctx, "w", []byte("7"))
	a.Write(ctx, "w", []byte("8"))
	last, err := st.Last(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Trim(ctx, last); err != nil {
		t.Fatal(err)
	}
	b3, lb3, _ := startReplica(t, st, filepath.Join(dir, "b.pos"))
	var g *store.Gap
	if err := st.Check(ctx, b3.Position()); !errors.As(err, &g) && b3.Gap() == nil {
		t.Errorf("no gap reported after trimming: %v", err)
	}
	if h := b3.Health(); !strings.Contains(h, "trimmed past") {
		t.Errorf("health of a replica trimmed past: %q", h)
	}
	if got := strings.Join(lb3.all(), ""); got != "8" {
		t.Errorf("b after the trim applied %q, want 8 (the first entry kept)", got)
	}
	if a.Gap() != nil {
		t.Errorf("a, never behind, reports a gap: %v", a.Gap())
	}
}

// TestReplicaRedisDown: a write while Redis is down fails with
// unavailable and is applied nowhere; the consumer says so in Health and
// recovers when Redis is back.
func TestReplicaRedisDown(t *testing.T) {
	srv := redistest.StartServer(t)
	st := newStream(t, srv.URL)
	a, la, _ := startReplica(t, st, "")
	if _, err := a.Write(context.Background(), "w", []byte("1")); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if _, err := a.Write(context.Background(), "w", []byte("2")); models.ErrorCode(err) != models.EUNAVAILABLE {
		t.Errorf("a write with Redis down: %v, want unavailable", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for a.Health() == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling, with a deadline
	}
	if a.Health() == "" {
		t.Error("health says nothing while Redis is down")
	}
	srv.Restart()
	deadline = time.Now().Add(10 * time.Second)
	for {
		if _, err := a.Write(context.Background(), "w", []byte("3")); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no write once Redis is back: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling, with a deadline
	}
	if got := strings.Join(la.all(), ""); got != "13" {
		t.Errorf("applied %q, want 13", got)
	}
}

func TestCompareIDs(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"1-0", "1-0", 0}, {"1-1", "1-0", 1}, {"9-0", "10-0", -1}, {"", "0-0", 0}, {"0-1", "", 1}} {
		if got := store.CompareIDs(c.a, c.b); got != c.want {
			t.Errorf("CompareIDs(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
