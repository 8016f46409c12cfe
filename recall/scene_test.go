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

func TestSceneRecallers(t *testing.T) {
	content, hot := catalogRecallers()
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
	}{
		{"home: a new shopper gets the hot list", SceneHome, m, Request{N: 3}, "h1", []string{"h2", "h3"}},
		{"home: what follows the session, reminders too", SceneHome, m, Request{N: 5, Items: []string{"a", "b"}}, "", []string{"c", "k1"}},
		{"home without a model: content, then hot", SceneHome, nil, Request{N: 4, Items: []string{"a"}}, "k1", []string{"k2", "h1"}},
		{"detail: similar items", SceneDetail, m, Request{N: 4, Items: []string{"x"}}, "y", []string{"k1"}},
		{"detail of a cold item: its category's hot list", SceneDetail, m, Request{N: 4, Category: "c"}, "c1", []string{"h1"}},
		{"cart: bought together", SceneCart, m, Request{N: 3, Cart: []string{"x"}}, "y", nil},
		{"order complete", SceneOrderComplete, m, Request{N: 3, Cart: []string{"a"}}, "b", nil},
		{"zero result: the category's hot list", SceneZeroResult, m, Request{N: 3, Category: "c"}, "c1", []string{"h1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scenes, err := SceneRecallers(SceneDeps{Model: tc.model, Content: content, Hot: hot})
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
