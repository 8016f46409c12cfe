package ctr

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/models/clocktest"
)

// synthSamples draws samples whose click odds grow with Recall and the
// "session" source and fall with Popularity; everything else is noise.
func synthSamples(n int, seed uint64) []Sample {
	r := rand.New(rand.NewPCG(seed, 1))
	srcs := []string{"session", "hot", "item2item"}
	out := make([]Sample, n)
	for i := range out {
		f := Features{Source: srcs[r.IntN(3)], Recall: r.Float64(), Popularity: r.Float64(), Sales: r.Float64(), PriceBand: r.IntN(NPriceBands)}
		z := -3 + 3*f.Recall - 1.5*f.Popularity
		if f.Source == "session" {
			z += 1
		}
		out[i] = Sample{Features: f, Clicked: r.Float64() < Sigmoid(z)}
	}
	return out
}

func TestTrainCTRLearnsTheSignal(t *testing.T) {
	m, err := Train(synthSamples(20000, 1), Config{})
	if err != nil {
		t.Fatal(err)
	}
	w := func(name string) float64 {
		for i := range m.Weights {
			if m.featureName(i) == name {
				return m.Weights[i]
			}
		}
		t.Fatalf("no feature %s", name)
		return 0
	}
	if w("recall") <= 0.5 || w("popularity") >= -0.2 {
		t.Errorf("recall weight %.3f (want > 0.5), popularity %.3f (want < -0.2)", w("recall"), w("popularity"))
	}
	if d := w("source=session") - w("source=hot"); d < 0.6 || d > 1.4 {
		t.Errorf("session − hot = %.3f, want about 1", d)
	}
	if s := w("sales"); s > 0.1 || s < -0.1 {
		t.Errorf("sales, noise, weighs %.3f", s)
	}
	hi := m.Predict(&Features{Source: "session", Recall: 1})
	lo := m.Predict(&Features{Source: "hot", Recall: 0, Popularity: 1})
	if !(hi > 0.2 && lo < 0.05) {
		t.Errorf("pCTR %.3f for the best case, %.3f for the worst", hi, lo)
	}
	e := m.Explain(&Features{Source: "session", Recall: 1}, 3)
	if len(e.Contributions) != 3 || e.PCTR != round4(hi) {
		t.Fatalf("explain: %+v", e)
	}
	if !slices.ContainsFunc(e.Contributions, func(c FeatureContribution) bool { return c.Feature == "recall" && c.Logit > 0 }) {
		t.Errorf("recall is not among the top contributions: %+v", e.Contributions)
	}
}

func TestTrainCTRRefuses(t *testing.T) {
	all := synthSamples(500, 2)
	for name, samples := range map[string][]Sample{
		"too few":    all[:10],
		"no clicks":  slices.DeleteFunc(slices.Clone(all), func(s Sample) bool { return s.Clicked }),
		"all clicks": slices.DeleteFunc(slices.Clone(all), func(s Sample) bool { return !s.Clicked }),
	} {
		if _, err := Train(samples, Config{}); !errors.Is(err, ErrTooFewSamples) {
			t.Errorf("%s: err %v, want ErrTooFewSamples", name, err)
		}
	}
	if _, err := Train(all, Config{L2: -1}); err == nil {
		t.Error("a negative L2 was accepted")
	}
}

func TestCTRModelFile(t *testing.T) {
	m, err := Train(synthSamples(2000, 3), Config{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ctr.model")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	f := Features{Source: "item2item", Recall: 0.3, Popularity: 0.2, PriceBand: 2}
	if got.Predict(&f) != m.Predict(&f) {
		t.Errorf("loaded model predicts %v, saved %v", got.Predict(&f), m.Predict(&f))
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	var buf bytes.Buffer
	m.WriteTo(&buf)
	good := buf.Bytes()
	for name, b := range map[string][]byte{
		"magic":     append([]byte("NOTACTR!"), good[8:]...),
		"version":   append(append(slices.Clone(good[:8]), 9, 0, 0, 0), good[12:]...),
		"truncated": good[:len(good)-5],
		"checksum":  append(slices.Clone(good[:len(good)-2]), good[len(good)-2]^1, good[len(good)-1]),
		"header":    good[:10],
	} {
		if _, err := ReadModel(bytes.NewReader(b)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err %v, want ErrCorrupt", name, err)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestSampleLogJoin(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenSampleLog(dir, SampleLogConfig{FlushEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	at := clocktest.Date(2026, 5, 1, 12, 0)
	items := func(ids ...string) []ImpressionItem {
		var out []ImpressionItem
		for i, id := range ids {
			out = append(out, ImpressionItem{ID: id, Pos: i + 1, Features: Features{Source: "session", Recall: float64(i)}})
		}
		return out
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.LogImpression(Impression{ID: "r-1", At: at, Scene: "home", Items: items("a", "b", "c")}))
	must(l.LogImpression(Impression{ID: "r-2", At: at.Add(time.Hour), Scene: "cart", Items: items("a", "d")}))
	must(l.LogLabel(Label{Impression: "r-1", Item: "b", Type: models.EventClick, At: at.Add(time.Minute)}))
	must(l.LogLabel(Label{Impression: "r-1", Item: "b", Type: models.EventPurchase, At: at.Add(time.Hour)}))
	must(l.LogLabel(Label{Impression: "r-2", Item: "d", Type: models.EventClick, At: at.Add(49 * time.Hour)})) // too late
	must(l.LogLabel(Label{Impression: "r-9", Item: "x", Type: models.EventClick, At: at}))                     // no impression
	must(l.Close())
	files, _ := SampleFiles(dir)
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	fh, _ := os.OpenFile(files[0], os.O_APPEND|os.O_WRONLY, 0)
	fh.WriteString("{\"imp\":{\"id\":\"r-3\",\"t\":") // a crash's cut line
	fh.Close()

	samples, st, err := ReadSamples([]string{dir}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var clicked []bool
	for _, s := range samples {
		clicked = append(clicked, s.Clicked)
	}
	if want := []bool{false, true, false, false, false}; !slices.Equal(clicked, want) {
		t.Errorf("clicked %v, want %v", clicked, want)
	}
	if st.Impressions != 2 || st.Labels != 4 || st.Samples != 5 || st.Positives != 1 || st.Unmatched != 1 || st.BadLines != 1 {
		t.Errorf("stats %s", st)
	}
	if samples[1].Features.Recall != 1 || samples[1].Features.Source != "session" {
		t.Errorf("features not kept: %+v", samples[1].Features)
	}
}

func TestSampleLogIsBounded(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenSampleLog(dir, SampleLogConfig{MaxFileBytes: 2000, MaxFiles: 3, FlushEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	imp := Impression{ID: "r-1", At: time.Unix(0, 0), Scene: "home", Items: []ImpressionItem{{ID: "a", Pos: 1}, {ID: "b", Pos: 2}}}
	for range 200 {
		if err := l.LogImpression(imp); err != nil {
			t.Fatal(err)
		}
	}
	l.Flush()
	files, _ := SampleFiles(dir)
	if len(files) != 3 {
		t.Fatalf("%d files, want 3", len(files))
	}
	for _, f := range files {
		if fi, _ := os.Stat(f); fi.Size() > 2000 {
			t.Errorf("%s: %d bytes over the cap", f, fi.Size())
		}
	}
	if err := l.LogLabel(Label{Impression: string(make([]byte, 200)), Item: "a"}); err != nil {
		t.Errorf("an over-long label id: %v (want ignored)", err)
	}
}

func TestCTRPriceBand(t *testing.T) {
	for price, want := range map[float64]int{0: 0, -1: 0, 9.9: 1, 30: 2, 99: 2, 299: 3, 999: 4, 1000: 5, 5e4: 5} {
		if got := PriceBand(price); got != want {
			t.Errorf("PriceBand(%v) = %d, want %d", price, got, want)
		}
	}
}

func TestShopperFeatures(t *testing.T) {
	now := clocktest.Date(2026, 5, 1, 12, 0)
	c := &ShopperContext{
		Touches: []Touch{{"数码>手机", now.Add(-48 * time.Hour)}, {"服饰>手机", now.Add(-24 * time.Hour)}, {"数码>耳机", now}, {"数码>耳机", now}},
		Items:   map[string]int{"p1": 5},
	}
	var f Features
	c.ShopperFeatures(&f, "p1", "家电>手机", now) // the leaf counts
	if f.CatAffinity != 0.5 || f.CatRecency != 0.5 || f.Repeat != 1 {
		t.Errorf("features %+v", f)
	}
	f = Features{}
	(*ShopperContext)(nil).ShopperFeatures(&f, "p1", "数码>手机", now)
	if f != (Features{}) {
		t.Errorf("a nil context set %+v", f)
	}
}
