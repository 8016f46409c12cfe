package recall

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// catalogRecallers are stand-ins for the catalog's: content is "like the
// last item" (k1, k2), hot is h1…h3, or c1 for category "c".
func catalogRecallers() (Recaller, Recaller) {
	list := func(source string, ids ...string) []Candidate {
		out := make([]Candidate, len(ids))
		for i, id := range ids {
			out[i] = Candidate{Item: id, Score: float64(len(ids) - i), Source: source}
		}
		return out
	}
	content := func(_ context.Context, req Request) []Candidate {
		if len(req.Items) == 0 && len(req.Cart) == 0 {
			return nil
		}
		return list(SourceContent, "k1", "k2")
	}
	hot := func(_ context.Context, req Request) []Candidate {
		if req.Category == "c" {
			return list(SourceCatalogHot, "c1")
		}
		return list(SourceCatalogHot, "h1", "h2", "h3")
	}
	return content, hot
}

// fallbackRecallers are stand-ins for the catalog's coherent fallbacks:
// similar s1, s2 (given items), complement m1 (given a cart), spread sp1,
// sp2.
func fallbackRecallers() (similar, complement, spread Recaller) {
	one := func(source string, when func(Request) bool, ids ...string) Recaller {
		return func(_ context.Context, req Request) []Candidate {
			if !when(req) {
				return nil
			}
			var out []Candidate
			for i, id := range ids {
				out = append(out, Candidate{Item: id, Score: float64(len(ids) - i), Source: source})
			}
			return out
		}
	}
	return one(SourceSimilar, func(r Request) bool { return len(r.Items) > 0 }, "s1", "s2"),
		one(SourceComplement, func(r Request) bool { return len(r.Cart) > 0 }, "m1"),
		one(SourceSpread, func(Request) bool { return true }, "sp1", "sp2")
}

func TestSceneRecallers(t *testing.T) {
	content, hot := catalogRecallers()
	similar, complement, spread := fallbackRecallers()
	if _, err := SceneRecallers(SceneDeps{}); err == nil {
		t.Fatal("scenes without catalog recallers: no error")
	}
	m := build(t, toy(), nil, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		name, scene string
		model       *Model
		req         Request
		first       string   // the best candidate
		has         []string // also there
		not         []string // never there
	}{
		{"home: a new shopper gets best sellers spread over categories", SceneHome, m, Request{N: 3}, "sp1", []string{"sp2", "h1"}, nil},
		{"home: what follows the session, reminders too", SceneHome, m, Request{N: 5, Items: []string{"a", "b"}}, "", []string{"c", "sp1"}, nil},
		{"home without a model: spread, then hot", SceneHome, nil, Request{N: 4, Items: []string{"a"}}, "sp1", []string{"sp2", "h1"}, nil},
		{"detail: similar items", SceneDetail, m, Request{N: 4, Items: []string{"x"}}, "y", []string{"s1"}, nil},
		{"detail without a model: same category and price band", SceneDetail, nil, Request{N: 4, Items: []string{"x"}}, "s1", []string{"s2", "h1"}, nil},
		{"detail of a cold item: its category's hot list", SceneDetail, m, Request{N: 4, Category: "c"}, "c1", []string{"h1"}, nil},
		{"cart: bought together", SceneCart, m, Request{N: 3, Cart: []string{"x"}}, "y", nil, []string{"h1"}},
		{"cart without a model: complements, never best sellers", SceneCart, nil, Request{N: 3, Cart: []string{"x"}, Category: "c"}, "m1", nil, []string{"h1", "c1", "k1"}},
		{"order complete", SceneOrderComplete, m, Request{N: 3, Cart: []string{"a"}}, "b", []string{"m1"}, []string{"h1"}},
		{"zero result: the category's hot list", SceneZeroResult, m, Request{N: 3, Category: "c"}, "c1", []string{"h1"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scenes, err := SceneRecallers(SceneDeps{Model: tc.model, Content: content, Hot: hot, Similar: similar, Complement: complement, Spread: spread})
			if err != nil {
				t.Fatal(err)
			}
			got := scenes[tc.scene](ctx, tc.req)
			ids := items(got)
			if len(got) == 0 || tc.first != "" && ids[0] != tc.first {
				t.Fatalf("got %v, want %s first", ids, tc.first)
			}
			for _, h := range tc.has {
				if !slices.Contains(ids, h) {
					t.Errorf("got %v, want %s in it", ids, h)
				}
			}
			for _, h := range tc.not {
				if slices.Contains(ids, h) {
					t.Errorf("got %v, want no %s", ids, h)
				}
			}
			if len(got) > tc.req.N {
				t.Errorf("%d candidates for N=%d", len(got), tc.req.N)
			}
		})
	}
	scenes, _ := SceneRecallers(SceneDeps{Model: m, Content: content, Hot: hot})
	for _, s := range Scenes {
		if scenes[s] == nil {
			t.Errorf("scene %s has no recaller", s)
		}
	}
	// Excluded items never come back, from any recaller.
	got := items(scenes[SceneHome](ctx, Request{N: 10, Items: []string{"a", "b"}, Exclude: func(id string) bool { return id == "c" || id == "h1" }}))
	if slices.Contains(got, "c") || slices.Contains(got, "h1") {
		t.Errorf("excluded items in %v", got)
	}
}

func TestNormalizeScores(t *testing.T) {
	cs := []Candidate{{Item: "a", Score: 10, Source: "x"}, {Item: "b", Score: 5, Source: "x"}, {Item: "c", Score: 0.2, Source: "y"}, {Item: "d", Source: "z"}}
	NormalizeScores(cs)
	want := []float64{1, 0.5, 1, 0}
	for i, c := range cs {
		if c.Score != want[i] {
			t.Errorf("%s: %v, want %v", c.Item, c.Score, want[i])
		}
	}
}

func TestSceneConfig(t *testing.T) {
	content, hot := catalogRecallers()
	if err := DefaultSceneConfig().Validate(); err != nil {
		t.Fatalf("the default: %v", err)
	}
	for _, bad := range []string{
		`{"nowhere":{"fallbacks":["hot"]}}`,
		`{"home":{"quotas":[{"recaller":"magic","share":0.5}]}}`,
		`{"home":{"quotas":[{"recaller":"hot","share":0}]}}`,
		`{"home":{"quotas":[{"recaller":"hot","share":0.7},{"recaller":"content","share":0.4}]}}`,
		`{"home":{"fallbacks":["nope"]}}`,
		`{"home":{}}`,
		`{"home":{"quotas":[],"fallbacks":["hot"],"extra":1}}`,
		`[1]`,
	} {
		if _, err := ReadSceneConfig(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	// Home as content only, then the hot list; the other scenes keep theirs.
	cfg, err := ReadSceneConfig(strings.NewReader(`{"home":{"quotas":[{"recaller":"content","share":1}],"fallbacks":["hot"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg[SceneDetail].Quotas) != 2 {
		t.Errorf("detail lost its default recipe: %+v", cfg[SceneDetail])
	}
	scenes, err := SceneRecallers(SceneDeps{Model: build(t, toy(), nil, nil), Content: content, Hot: hot, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	got := scenes[SceneHome](context.Background(), Request{N: 4, Items: []string{"a", "b"}})
	var ids []string
	for _, c := range got {
		ids = append(ids, c.Item)
	}
	if !slices.Equal(ids, []string{"k1", "k2", "h1", "h2"}) {
		t.Errorf("home under the configured recipe: %v", ids)
	}
	if _, err := SceneRecallers(SceneDeps{Content: content, Hot: hot, Config: SceneConfig{"home": {}}}); err == nil {
		t.Error("an invalid config was accepted")
	}
}
