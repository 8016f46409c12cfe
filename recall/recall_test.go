package recall

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// toy is a small corpus: a→b→c is a common path, x and y go together, and
// z is popular on its own.
func toy() []Session {
	var s []Session
	for i := 0; i < 20; i++ {
		s = append(s, Session{Items: []string{"a", "b", "c"}})
		s = append(s, Session{Items: []string{"x", "y"}})
		s = append(s, Session{Items: []string{"z", "q"}})
	}
	s = append(s, Session{Items: []string{"a", "c", "d"}}, Session{Items: []string{"z", "z", "z"}})
	return s
}

func build(t testing.TB, s []Session, cats map[string]string, edit func(*Config)) *Model {
	t.Helper()
	cfg := DefaultConfig()
	if edit != nil {
		edit(&cfg)
	}
	m, err := Build(s, cats, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func items(cs []Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Item
	}
	return out
}

func TestRecommenders(t *testing.T) {
	m := build(t, toy(), nil, nil)
	swing := build(t, toy(), nil, func(c *Config) { c.Item.Similarity = Swing })
	noRemind := build(t, toy(), nil, func(c *Config) { c.SKNN.Remind = 0 })
	tests := []struct {
		name  string
		got   []Candidate
		first string
		not   []string
	}{
		{"similar to a", m.Similar([]string{"a"}, 5, nil), "b", []string{"a", "x"}},
		{"swing similar to x", swing.Similar([]string{"x"}, 5, nil), "y", []string{"x"}},
		{"session a b", noRemind.NextInSession([]string{"a", "b"}, 5, nil), "c", []string{"a", "b", "x"}},
		{"session x", noRemind.NextInSession([]string{"x"}, 5, nil), "y", []string{"x"}},
		{"session x, remind", m.NextInSession([]string{"x"}, 5, nil), "x", nil},
		{"session unknown items", m.NextInSession([]string{"nope"}, 5, nil), "", nil},
		{"bought together a (transitions)", m.BoughtTogether([]string{"a"}, 5, nil), "b", []string{"a"}},
		{"exclude b", noRemind.NextInSession([]string{"a"}, 5, func(id string) bool { return id == "b" }), "c", []string{"b"}},
		{"hot", m.Hot("", 3, nil), "z", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ids := items(tc.got)
			if tc.first == "" {
				if len(ids) != 0 {
					t.Fatalf("got %v, want nothing", ids)
				}
				return
			}
			if len(ids) == 0 || ids[0] != tc.first {
				t.Fatalf("got %v, want %s first", ids, tc.first)
			}
			for _, n := range tc.not {
				if slices.Contains(ids, n) {
					t.Errorf("got %v, want no %s", ids, n)
				}
			}
			for i := 1; i < len(tc.got); i++ {
				if tc.got[i].Score > tc.got[i-1].Score {
					t.Errorf("not sorted: %v", tc.got)
				}
			}
		})
	}
}

func TestRemindRepeats(t *testing.T) {
	m := build(t, toy(), nil, func(c *Config) { c.SKNN.Remind = 5 })
	got := items(m.NextInSession([]string{"q", "z"}, 3, nil))
	if len(got) == 0 || got[0] != "z" {
		t.Fatalf("with a strong remind weight the last item should come back first, got %v", got)
	}
}

func TestBehaviourEvents(t *testing.T) {
	csv := `user_id,item_id,category_id,behavior_type,timestamp
1,phone,10,pv,1000
1,phone,10,buy,1010
1,case,11,buy,1020
2,phone,10,pv,2000
2,phone,10,cart,2001
2,case,11,buy,2005
3,tv,12,pv,3000
3,tv,12,pv,9000
4,gum,13,pv,100
4,gum,13,pv,101
4,gum,13,pv,102
4,gum,13,pv,103
5,pen,13,pv,100
5,pen,13,buy,101
`
	evs, err := ReadBehaviourCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	sessions := SessionsFromEvents(evs, 3600e9) // one hour
	if len(sessions) != 6 {
		t.Fatalf("got %d sessions, want 6 (user 3 split by the gap): %+v", len(sessions), sessions)
	}
	cats := map[string]string{}
	for _, e := range evs {
		cats[e.Item] = e.Category
	}
	m := build(t, sessions, cats, func(c *Config) { c.Hot.Prior = 1 })
	if got := items(m.BoughtTogether([]string{"phone"}, 3, nil)); !slices.Equal(got, []string{"case"}) {
		t.Errorf("bought together phone: got %v, want [case]", got)
	}
	// pen (2 events, 1 buy) beats gum (4 views) on its intent rate with a
	// weak prior; a strong prior pulls pen's rate to the global one, and
	// gum's larger count wins.
	if got := items(m.Hot("13", 2, nil)); !slices.Equal(got, []string{"pen", "gum"}) {
		t.Errorf("hot 13, prior 1: got %v, want [pen gum]", got)
	}
	strong := build(t, sessions, cats, func(c *Config) { c.Hot.Prior = 100 })
	if got := items(strong.Hot("13", 2, nil)); !slices.Equal(got, []string{"gum", "pen"}) {
		t.Errorf("hot 13, prior 100: got %v, want [gum pen]", got)
	}
	if got := items(m.Hot("unknown", 10, nil)); len(got) != 5 {
		t.Errorf("hot of an unknown category falls back to all items, got %v", got)
	}
}

func TestInputErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"fields", "1,2,3\n"},
		{"type", "1,2,3,like,100\n"},
		{"time", "1,2,3,pv,yesterday\n"},
		{"empty item", "1,,3,pv,100\n"},
	}
	for _, tc := range tests {
		if _, err := ReadBehaviourCSV(strings.NewReader(tc.in)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%s: got %v, want an error naming line 1", tc.name, err)
		}
	}
	if _, err := ReadSessions(strings.NewReader("1 2\n" + strings.Repeat("x", 200) + "\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("over-long item id: got %v", err)
	}
	s, err := ReadSessions(strings.NewReader("1 2\n\n3\n"))
	if err != nil || len(s) != 2 {
		t.Errorf("blank lines: got %v, %v", s, err)
	}
	if _, err := Build(nil, nil, Config{}); err == nil {
		t.Error("Build of nothing should fail")
	}
	bad := DefaultConfig()
	bad.Item.Similarity = "jaccard"
	if _, err := Build(toy(), nil, bad); err == nil {
		t.Error("unknown similarity should fail")
	}
	bad = DefaultConfig()
	bad.EventWeights[Buy] = -1
	if _, err := Build(toy(), nil, bad); err == nil {
		t.Error("negative weight should fail")
	}
}

func TestCombineQuotasAndFallback(t *testing.T) {
	fixed := func(src string, ids ...string) Recaller {
		return func(_ context.Context, req Request) []Candidate {
			var out []Candidate
			for _, id := range ids {
				if len(out) < req.N && (req.Exclude == nil || !req.Exclude(id)) {
					out = append(out, Candidate{Item: id, Score: 1, Source: src})
				}
			}
			return out
		}
	}
	ctx := context.Background()
	tests := []struct {
		name string
		r    Recaller
		req  Request
		want string
	}{
		{"quotas", Combine([]Quota{{fixed("a", "1", "2", "3", "4"), 0.5}, {fixed("b", "5", "6", "7"), 0.5}}), Request{N: 4}, "1:a 2:a 5:b 6:b"},
		{"dedupe", Combine([]Quota{{fixed("a", "1", "2"), 0.5}, {fixed("b", "1", "3"), 0.5}}), Request{N: 4}, "1:a 2:a 3:b"},
		{"short quota topped up by the others", Combine([]Quota{{fixed("a", "1"), 0.5}, {fixed("b", "5", "6", "7"), 0.5}}), Request{N: 4}, "1:a 5:b 6:b 7:b"},
		{"new shopper: fallback fills", Combine([]Quota{{fixed("a"), 1}}, fixed("hot", "h1", "h2", "h3")), Request{N: 2}, "h1:hot h2:hot"},
		{"exclude", Combine(nil, fixed("hot", "h1", "h2", "h3")), Request{N: 2, Exclude: func(id string) bool { return id == "h1" }}, "h2:hot h3:hot"},
		{"n capped at zero", Combine(nil, fixed("hot", "h1")), Request{N: -3}, ""},
	}
	for _, tc := range tests {
		var got []string
		for _, c := range tc.r(ctx, tc.req) {
			got = append(got, c.Item+":"+c.Source)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, g, tc.want)
		}
	}
}

func TestModelRecallers(t *testing.T) {
	m := build(t, toy(), nil, nil)
	home := Combine([]Quota{{m.SessionRecaller(), 0.5}, {m.ItemRecaller(), 0.5}}, m.CoBuyRecaller(), m.HotRecaller())
	for _, req := range []Request{{Items: []string{"a"}, N: 6}, {N: 6}, {Items: []string{"brand-new"}, N: 6}} {
		got := home(context.Background(), req)
		if len(got) != 6 {
			t.Errorf("%+v: got %d candidates, want a full list of 6: %v", req, len(got), got)
		}
	}
}

func TestConcurrentReads(t *testing.T) {
	m := build(t, toy(), nil, nil)
	want := fmt.Sprint(m.NextInSession([]string{"a", "b"}, 5, nil))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if got := fmt.Sprint(m.NextInSession([]string{"a", "b"}, 5, nil)); got != want {
					t.Errorf("concurrent call got %s, want %s", got, want)
					return
				}
				m.Similar([]string{"x"}, 3, nil)
				m.BoughtTogether([]string{"a"}, 3, nil)
			}
		}()
	}
	wg.Wait()
}

func TestEASE(t *testing.T) {
	var h [][]string
	for i := 0; i < 30; i++ {
		h = append(h, []string{"m1", "m2", "m3"}, []string{"m4", "m5"})
	}
	h = append(h, []string{"m1", "m6"})
	e, err := TrainEASE(h, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := items(e.Recommend([]string{"m1", "m2"}, 2, nil)); len(got) == 0 || got[0] != "m3" {
		t.Errorf("EASE after m1 m2: got %v, want m3 first", got)
	}
	if got := items(e.Recommend(nil, 1, nil)); len(got) != 1 {
		t.Errorf("cold user: got %v, want the most popular item", got)
	}
	if _, err := TrainEASE(h, 0); err == nil {
		t.Error("lambda 0 should fail")
	}
}

func TestTimeDecayAndSessionOnly(t *testing.T) {
	// b follows a within a second; c follows a a day later.
	var s []Session
	for i := 0; i < 10; i++ {
		base := int64(i * 1000000)
		s = append(s, Session{Items: []string{"a", "b"}, Times: []int64{base, base + 1}},
			Session{Items: []string{"a", "c"}, Times: []int64{base, base + 86400}},
			Session{Items: []string{"a", "c"}, Times: []int64{base, base + 86400}})
	}
	plain := build(t, s, nil, nil)
	decayed := build(t, s, nil, func(c *Config) { c.Item.TimeHalfLife = 3600e9 })
	if got := items(plain.Similar([]string{"a"}, 2, nil)); len(got) != 2 || got[0] != "c" {
		t.Errorf("without decay c (twice as often) should lead: %v", got)
	}
	if got := items(decayed.Similar([]string{"a"}, 2, nil)); len(got) != 2 || got[0] != "b" {
		t.Errorf("with a one-hour half-life b (a second later) should lead: %v", got)
	}
	only := build(t, s, nil, func(c *Config) { c.SessionOnly = true; c.SKNN.Similar = 0 })
	if got := only.Similar([]string{"a"}, 2, nil); len(got) != 0 || only.Stats().ItemEdges != 0 {
		t.Errorf("SessionOnly model has item neighbours: %v", got)
	}
	if got := only.NextInSession([]string{"a"}, 2, nil); len(got) == 0 {
		t.Error("SessionOnly model has no session recommendations")
	}
}
