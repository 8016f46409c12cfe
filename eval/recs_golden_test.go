package eval

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"shopsearch/recall"
)

// Golden recommendation figures. To keep the test quick under -race, the
// session evaluations score a fixed subsample — every 10th test case of
// the newest 10% of sessions held out — and cv runs 2 of the 5 folds; the
// eval commands report the full figures (doc/recommend.md lists both).
// Rewrite with go test ./eval -run RecsGolden -update.
const (
	goldenHoldout = 0.1
	goldenStride  = 10
	goldenFolds   = 2
)

func TestRecsGoldenSessions(t *testing.T) {
	for _, name := range []string{"diginetica", "tmall"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(sharedData, "sessions", name, "train_sessions.txt")
			f, err := os.Open(path)
			if err != nil {
				t.Skipf("shared data not found at %s (it sits beside the repository in CI): skipping the %s session evaluation", sharedData, name)
			}
			sessions, err := recall.ReadSessions(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			train, cases, err := HoldOut(sessions, goldenHoldout)
			if err != nil {
				t.Fatal(err)
			}
			var sub []SessionCase
			for i := 0; i < len(cases); i += goldenStride {
				sub = append(sub, cases[i])
			}
			cfg := recall.DefaultConfig()
			cfg.SessionOnly = cfg.SKNN.Similar == 0 // as eval sessions does
			m, err := recall.Build(train, nil, cfg)
			if err != nil {
				t.Fatal(err)
			}
			st, err := Sessions(context.Background(), ModelNextItems(m), sub, m.Items(), m.PopularityShare)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("holdout=%.2f stride=%d cases=%d\n%s", goldenHoldout, goldenStride, st.Cases, st)
			golden(t, "testdata/sessions-"+name+".txt", got)
		})
	}
}

func TestRecsGoldenCV(t *testing.T) {
	path := filepath.Join(sharedData, "behavior/ml-100k/u.data")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("shared data not found at %s (it sits beside the repository in CI): skipping the MovieLens cross-validation", sharedData)
	}
	rs, err := ReadRatings(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultCVConfig()
	cfg.OnlyFolds = goldenFolds
	st, err := CrossValidate(context.Background(), rs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/cv-ml100k.txt", fmt.Sprintf("folds=%d of %d users=%d\n%s", goldenFolds, cfg.Folds, st.Users, st))
}
