// Package storetest is the conformance suite every implementation of the
// shared-state store runs (store.Embedded and store.Redis), so that the
// managers built on it behave the same on either.
package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"shopsearch/models"
)

// Store is the shared-state store as the suite sees it: the union of the
// methods its users (rank.Profiles, rank.Rulebook, and the replicas'
// poller, which reads Version) need.
type Store interface {
	AppendProfile(name string, version int, data []byte) error
	ProfileVersions(fn func(name string, version int, data []byte) error) error
	PutRule(id string, data []byte) error
	DeleteRule(id string) error
	Rules(fn func(id string, data []byte) error) error
	PutSetting(key string, data []byte) error
	Setting(key string) ([]byte, error)
	// Version is the change counter: 0 for a new store, greater after
	// every write that changed something.
	Version(ctx context.Context) (uint64, error)
}

// Run runs the suite. open returns a new, empty store, closed by the time
// the test ends.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Run("ProfileVersions", func(t *testing.T) { testProfileVersions(t, open(t)) })
	t.Run("ProfileConflicts", func(t *testing.T) { testProfileConflicts(t, open(t)) })
	t.Run("ConcurrentAppends", func(t *testing.T) { testConcurrentAppends(t, open(t)) })
	t.Run("Rules", func(t *testing.T) { testRules(t, open(t)) })
	t.Run("Settings", func(t *testing.T) { testSettings(t, open(t)) })
	t.Run("InvalidKeys", func(t *testing.T) { testInvalidKeys(t, open(t)) })
	t.Run("CallbackError", func(t *testing.T) { testCallbackError(t, open(t)) })
	t.Run("Version", func(t *testing.T) { testVersion(t, open(t)) })
}

type version struct {
	name    string
	version int
	data    string
}

func versions(t *testing.T, s Store) []version {
	t.Helper()
	var out []version
	err := s.ProfileVersions(func(name string, v int, data []byte) error {
		out = append(out, version{name, v, string(data)})
		return nil
	})
	if err != nil {
		t.Fatalf("ProfileVersions: %v", err)
	}
	return out
}

func rules(t *testing.T, s Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	var ids []string
	err := s.Rules(func(id string, data []byte) error {
		out[id] = string(data)
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		t.Fatalf("Rules: %v", err)
	}
	if !slices.IsSorted(ids) {
		t.Errorf("Rules visited %v, want id order", ids)
	}
	return out
}

func mustAppend(t *testing.T, s Store, name string, v int, data string) {
	t.Helper()
	if err := s.AppendProfile(name, v, []byte(data)); err != nil {
		t.Fatalf("AppendProfile(%q, %d): %v", name, v, err)
	}
}

func testProfileVersions(t *testing.T, s Store) {
	if got := versions(t, s); len(got) != 0 {
		t.Fatalf("new store has versions %v", got)
	}
	// Names that prefix each other must not mix ("mobile" and "mobile-2").
	mustAppend(t, s, "mobile-2", 1, `{"m2":1}`)
	mustAppend(t, s, "mobile", 1, `{"v":1}`)
	mustAppend(t, s, "default", 1, `{"d":1}`)
	mustAppend(t, s, "mobile", 2, `{"v":2}`)
	for v := 3; v <= 300; v++ { // past one byte of version
		mustAppend(t, s, "mobile", v, fmt.Sprintf(`{"v":%d}`, v))
	}
	got := versions(t, s)
	want := []version{{"default", 1, `{"d":1}`}}
	for v := 1; v <= 300; v++ {
		want = append(want, version{"mobile", v, fmt.Sprintf(`{"v":%d}`, v)})
	}
	want = append(want, version{"mobile-2", 1, `{"m2":1}`})
	if !slices.Equal(got, want) {
		t.Errorf("versions:\n got %v\nwant %v", got, want)
	}
}

func testProfileConflicts(t *testing.T, s Store) {
	for _, v := range []int{2, 0} {
		if err := s.AppendProfile("p", v, []byte(`{}`)); models.ErrorCode(err) != models.ECONFLICT && models.ErrorCode(err) != models.EINVALID {
			t.Errorf("version %d of a new name: error %v, want a conflict or invalid", v, err)
		}
	}
	mustAppend(t, s, "p", 1, `{"a":1}`)
	for _, v := range []int{1, 3} {
		if err := s.AppendProfile("p", v, []byte(`{"b":1}`)); models.ErrorCode(err) != models.ECONFLICT {
			t.Errorf("version %d after 1: error %v, want code %s", v, err, models.ECONFLICT)
		}
	}
	if got := versions(t, s); !slices.Equal(got, []version{{"p", 1, `{"a":1}`}}) {
		t.Errorf("a refused append changed the store: %v", got)
	}
}

// testConcurrentAppends: writers racing for the same version — exactly one
// wins each.
func testConcurrentAppends(t *testing.T, s Store) {
	const writers, rounds = 8, 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := map[int]int{}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := 1; v <= rounds; v++ {
				if err := s.AppendProfile("race", v, []byte(fmt.Sprintf(`{"w":%d}`, w))); err == nil {
					mu.Lock()
					won[v]++
					mu.Unlock()
				} else if models.ErrorCode(err) != models.ECONFLICT {
					t.Errorf("writer %d version %d: %v", w, v, err)
				}
			}
		}()
	}
	wg.Wait()
	// A writer may lose version v and win v+1 — or lose every round after
	// another wrote ahead; each stored version had exactly one winner.
	got := versions(t, s)
	for i, g := range got {
		if g.version != i+1 || won[g.version] != 1 {
			t.Errorf("version %d stored at %d, won %d times", g.version, i+1, won[g.version])
		}
	}
	if len(got) == 0 {
		t.Error("no version stored")
	}
}

func testRules(t *testing.T, s Store) {
	if got := rules(t, s); len(got) != 0 {
		t.Fatalf("new store has rules %v", got)
	}
	for id, data := range map[string]string{"r-2": `{"n":2}`, "r-1": `{"n":1}`, "r-10": `{"n":10}`} {
		if err := s.PutRule(id, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutRule("r-1", []byte(`{"n":"one"}`)); err != nil { // upsert
		t.Fatal(err)
	}
	if err := s.DeleteRule("r-2"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRule("absent"); err != nil {
		t.Errorf("deleting an absent rule: %v", err)
	}
	want := map[string]string{"r-1": `{"n":"one"}`, "r-10": `{"n":10}`}
	if got := rules(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rules %v, want %v", got, want)
	}
}

func testSettings(t *testing.T, s Store) {
	if v, err := s.Setting("selection"); err != nil || v != nil {
		t.Fatalf("absent setting: %q, %v; want nil, nil", v, err)
	}
	for _, data := range []string{`{"a":1}`, `{"a":2}`} {
		if err := s.PutSetting("selection", []byte(data)); err != nil {
			t.Fatal(err)
		}
		if v, err := s.Setting("selection"); err != nil || string(v) != data {
			t.Errorf("setting %q, %v; want %s", v, err, data)
		}
	}
	if v, _ := s.Setting("other"); v != nil {
		t.Errorf("other setting: %q", v)
	}
}

func testInvalidKeys(t *testing.T, s Store) {
	for _, bad := range []string{"", "a\x00b"} {
		if err := s.AppendProfile(bad, 1, []byte(`{}`)); err == nil {
			t.Errorf("AppendProfile(%q) succeeded", bad)
		}
		if err := s.PutRule(bad, []byte(`{}`)); err == nil {
			t.Errorf("PutRule(%q) succeeded", bad)
		}
		if err := s.PutSetting(bad, []byte(`{}`)); err == nil {
			t.Errorf("PutSetting(%q) succeeded", bad)
		}
	}
}

// testCallbackError: an error from the visitor stops the visit and is returned.
func testCallbackError(t *testing.T, s Store) {
	mustAppend(t, s, "a", 1, `{}`)
	mustAppend(t, s, "b", 1, `{}`)
	for _, id := range []string{"x", "y"} {
		if err := s.PutRule(id, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	stop := fmt.Errorf("stop")
	calls := 0
	if err := s.ProfileVersions(func(string, int, []byte) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("ProfileVersions: error %v after %d calls, want stop after 1", err, calls)
	}
	calls = 0
	if err := s.Rules(func(string, []byte) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("Rules: error %v after %d calls, want stop after 1", err, calls)
	}
}

// testVersion: every write that changes something raises the version; reads,
// refused writes and deleting an absent rule do not.
func testVersion(t *testing.T, s Store) {
	last := uint64(0)
	check := func(what string, wantChange bool) {
		t.Helper()
		v, err := s.Version(context.Background())
		if err != nil {
			t.Fatalf("after %s: Version: %v", what, err)
		}
		switch {
		case wantChange && v <= last:
			t.Errorf("after %s: version %d, want more than %d", what, v, last)
		case !wantChange && v != last:
			t.Errorf("after %s: version %d, want it unchanged at %d", what, v, last)
		}
		last = v
	}
	check("nothing", false)
	mustAppend(t, s, "p", 1, `{}`)
	check("appending a profile", true)
	s.AppendProfile("p", 1, []byte(`{}`)) // a conflict
	s.AppendProfile("", 2, []byte(`{}`))  // invalid
	check("refused appends", false)
	if err := s.PutRule("r", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	check("putting a rule", true)
	if err := s.PutRule("r", []byte(`{"x":1}`)); err != nil {
		t.Fatal(err)
	}
	check("replacing a rule", true)
	if err := s.DeleteRule("absent"); err != nil {
		t.Fatal(err)
	}
	check("deleting an absent rule", false)
	if err := s.DeleteRule("r"); err != nil {
		t.Fatal(err)
	}
	check("deleting a rule", true)
	if err := s.PutSetting("selection", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	check("putting a setting", true)
	versions(t, s)
	rules(t, s)
	s.Setting("selection")
	check("reads", false)
}
