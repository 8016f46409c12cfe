package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"shopsearch/models"
)

// LexiconStore is the store of the lexicon document's versions as the suite
// sees it (the server's lexicon manager uses these methods, and the
// replicas' poller Version).
type LexiconStore interface {
	AppendLexicon(version int, data []byte) error
	LexiconVersions(fn func(version int, data []byte) error) error
	LatestLexicon() (int, error)
	Version(ctx context.Context) (uint64, error)
}

// RunLexicon runs the lexicon part of the suite. open returns a new, empty
// store, closed by the time the test ends.
func RunLexicon(t *testing.T, open func(t *testing.T) LexiconStore) {
	t.Run("LexiconVersions", func(t *testing.T) { testLexiconVersions(t, open(t)) })
	t.Run("LexiconConflicts", func(t *testing.T) { testLexiconConflicts(t, open(t)) })
	t.Run("LexiconConcurrentAppends", func(t *testing.T) { testLexiconConcurrent(t, open(t)) })
	t.Run("LexiconCallbackError", func(t *testing.T) { testLexiconCallbackError(t, open(t)) })
}

type lexVersion struct {
	version int
	data    string
}

func lexVersions(t *testing.T, s LexiconStore) []lexVersion {
	t.Helper()
	var out []lexVersion
	if err := s.LexiconVersions(func(v int, data []byte) error {
		out = append(out, lexVersion{v, string(data)})
		return nil
	}); err != nil {
		t.Fatalf("LexiconVersions: %v", err)
	}
	return out
}

func testLexiconVersions(t *testing.T, s LexiconStore) {
	if got := lexVersions(t, s); len(got) != 0 {
		t.Fatalf("new store has lexicon versions %v", got)
	}
	if latest, err := s.LatestLexicon(); err != nil || latest != 0 {
		t.Errorf("LatestLexicon of a new store = %d, %v; want 0", latest, err)
	}
	ctx := context.Background()
	v0, err := s.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []lexVersion
	for v := 1; v <= 300; v++ { // past one byte of version
		data := fmt.Sprintf(`{"v":%d,"w":"手机"}`, v)
		if err := s.AppendLexicon(v, []byte(data)); err != nil {
			t.Fatalf("AppendLexicon(%d): %v", v, err)
		}
		want = append(want, lexVersion{v, data})
	}
	if latest, err := s.LatestLexicon(); err != nil || latest != 300 {
		t.Errorf("LatestLexicon = %d, %v; want 300", latest, err)
	}
	if got := lexVersions(t, s); !slices.Equal(got, want) {
		t.Errorf("lexicon versions: got %d, want %d in order (first %v)", len(got), len(want), got[:min(3, len(got))])
	}
	v1, err := s.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v1 <= v0 {
		t.Errorf("Version %d after lexicon appends, was %d: replicas would not reload", v1, v0)
	}
}

func testLexiconConflicts(t *testing.T, s LexiconStore) {
	for _, v := range []int{2, 0, -1} {
		if err := s.AppendLexicon(v, []byte(`{}`)); models.ErrorCode(err) != models.ECONFLICT && models.ErrorCode(err) != models.EINVALID {
			t.Errorf("version %d of a new lexicon: error %v, want a conflict or invalid", v, err)
		}
	}
	if err := s.AppendLexicon(1, []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	before, _ := s.Version(ctx)
	for _, v := range []int{1, 3} {
		if err := s.AppendLexicon(v, []byte(`{"b":1}`)); models.ErrorCode(err) != models.ECONFLICT {
			t.Errorf("version %d after 1: error %v, want code %s", v, err, models.ECONFLICT)
		}
	}
	if got := lexVersions(t, s); !slices.Equal(got, []lexVersion{{1, `{"a":1}`}}) {
		t.Errorf("a refused append changed the store: %v", got)
	}
	if latest, _ := s.LatestLexicon(); latest != 1 {
		t.Errorf("a refused append moved LatestLexicon to %d", latest)
	}
	if after, _ := s.Version(ctx); after != before {
		t.Errorf("a refused append moved Version from %d to %d", before, after)
	}
}

// testLexiconConcurrent: writers racing for the same version — exactly one
// wins each.
func testLexiconConcurrent(t *testing.T, s LexiconStore) {
	const writers, rounds = 6, 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := map[int]int{}
	for w := range writers {
		wg.Go(func() {
			for v := 1; v <= rounds; v++ {
				err := s.AppendLexicon(v, fmt.Appendf(nil, `{"w":%d}`, w))
				switch models.ErrorCode(err) {
				case "":
					mu.Lock()
					won[v]++
					mu.Unlock()
				case models.ECONFLICT:
				default:
					t.Errorf("AppendLexicon(%d): %v", v, err)
				}
			}
		})
	}
	wg.Wait()
	for v := 1; v <= rounds; v++ {
		if won[v] != 1 {
			t.Errorf("version %d was appended %d times, want once", v, won[v])
		}
	}
	if got := lexVersions(t, s); len(got) != rounds {
		t.Errorf("%d versions stored, want %d", len(got), rounds)
	}
}

func testLexiconCallbackError(t *testing.T, s LexiconStore) {
	for v := 1; v <= 3; v++ {
		if err := s.AppendLexicon(v, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := s.LexiconVersions(func(int, []byte) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("LexiconVersions with a failing callback: %v after %d calls, want the callback's error after 1", err, calls)
	}
}
