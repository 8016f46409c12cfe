package eval

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"shopsearch/recall"
)

// Rating is one user–item interaction; with implicit feedback every
// rating is a positive, whatever its value.
type Rating struct{ User, Item string }

// CVConfig is the k-fold top-k protocol's settings.
type CVConfig struct {
	Folds  int     // ratings are split into this many folds
	K      int     // list length
	Seed   int64   // seed of the split
	Lambda float64 // EASE ridge penalty
	// OnlyFolds, when > 0, evaluates only the first OnlyFolds folds (a
	// quicker, still fixed, subsample of the protocol).
	OnlyFolds int
}

// DefaultCVConfig is Gorse's protocol: 5 folds, top 10, a fixed seed.
func DefaultCVConfig() CVConfig { return CVConfig{Folds: 5, K: 10, Seed: 1, Lambda: 400} }

// CVStats are the figures `shopsearch eval cv` prints, averaged over the
// folds' users that have test items.
type CVStats struct {
	K             int
	P, R, NDCG    float64
	Users, Folds  int
	Items, Events int
}

func (s CVStats) String() string {
	return fmt.Sprintf("P@%d=%.4f R@%d=%.4f NDCG@%d=%.4f", s.K, s.P, s.K, s.R, s.K, s.NDCG)
}

// ReadRatings reads `user item rating [timestamp]` lines, tab- or
// space-separated (MovieLens u.data).
func ReadRatings(path string) ([]Rating, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var out []Rating
	line := 0
	for sc.Scan() {
		line++
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		if len(fs) < 2 {
			return nil, fmt.Errorf("%s line %d: want user item [rating [timestamp]]", path, line)
		}
		out = append(out, Rating{User: fs[0], Item: fs[1]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s line %d: %w", path, line+1, err)
	}
	return out, nil
}

// CrossValidate runs the protocol with an EASE model: the ratings are
// shuffled with the seed and dealt into folds; for each fold the model is
// trained on the others, and every user with test ratings gets the top K
// of all items they have no train rating for. P, R and NDCG at K (binary
// gain) are averaged over those users, pooled across the folds.
func CrossValidate(ctx context.Context, ratings []Rating, cfg CVConfig) (CVStats, error) {
	if cfg.Folds < 2 || cfg.K < 1 {
		return CVStats{}, fmt.Errorf("want at least 2 folds and k ≥ 1")
	}
	if len(ratings) < cfg.Folds {
		return CVStats{}, fmt.Errorf("%d ratings are too few for %d folds", len(ratings), cfg.Folds)
	}
	perm := rand.New(rand.NewPCG(uint64(cfg.Seed), 0)).Perm(len(ratings))
	fold := make([]int, len(ratings))
	for k, i := range perm {
		fold[i] = k % cfg.Folds
	}
	prec, rec, ndcg := Precision(cfg.K), Recall(cfg.K), NDCG(cfg.K)
	st := CVStats{K: cfg.K, Folds: cfg.Folds, Events: len(ratings)}
	items := map[string]bool{}
	folds := cfg.Folds
	if cfg.OnlyFolds > 0 {
		folds = min(folds, cfg.OnlyFolds)
	}
	for f := 0; f < folds; f++ {
		if err := ctx.Err(); err != nil {
			return CVStats{}, err
		}
		train := map[string][]string{}
		test := map[string]map[string]int{}
		var users []string
		for i, r := range ratings {
			items[r.Item] = true
			if fold[i] == f {
				if test[r.User] == nil {
					test[r.User] = map[string]int{}
				}
				test[r.User][r.Item] = 1
				continue
			}
			if train[r.User] == nil {
				users = append(users, r.User)
			}
			train[r.User] = append(train[r.User], r.Item)
		}
		hist := make([][]string, len(users))
		for i, u := range users {
			hist[i] = train[u]
		}
		m, err := recall.TrainEASE(hist, cfg.Lambda)
		if err != nil {
			return CVStats{}, fmt.Errorf("fold %d: %w", f+1, err)
		}
		testUsers := make([]string, 0, len(test))
		for u := range test {
			testUsers = append(testUsers, u)
		}
		slices.Sort(testUsers)
		for _, u := range testUsers {
			rel := test[u]
			cs := m.Recommend(train[u], cfg.K, nil)
			ranked := make([]string, len(cs))
			for i, c := range cs {
				ranked[i] = c.Item
			}
			st.P += prec(ranked, rel)
			st.R += rec(ranked, rel)
			st.NDCG += ndcg(ranked, rel)
			st.Users++
		}
	}
	st.Items = len(items)
	if st.Users > 0 {
		st.P /= float64(st.Users)
		st.R /= float64(st.Users)
		st.NDCG /= float64(st.Users)
	}
	return st, nil
}
