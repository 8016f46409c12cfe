package eval

import (
	"context"
	"math"
	"testing"

	"shopsearch/query"
)

type fixedSearcher map[string][]string

func (f fixedSearcher) Search(_ context.Context, req query.Request) (*query.Response, error) {
	r := &query.Response{}
	for _, id := range f[req.Text] {
		r.Items = append(r.Items, query.Item{ID: id})
	}
	return r, nil
}

func TestSearchGradedESCI(t *testing.T) {
	s := fixedSearcher{"q": {"x", "s", "e", "c"}, "none": {"c"}}
	qrels := map[string]map[string]int{
		"1": {"e": 3, "s": 2, "c": 1, "i": 0},
		"2": {"c": 1}, // no grade ≥ 2: left out
	}
	st, err := SearchGraded(context.Background(), s, []Query{{"1", "q"}, {"2", "none"}}, qrels, GradedOptions{Gains: ESCIGains, Relevant: 2})
	if err != nil {
		t.Fatal(err)
	}
	dcg := 0.1/math.Log2(3) + 1/math.Log2(4) + 0.01/math.Log2(5)
	idcg := 1 + 0.1/math.Log2(3) + 0.01/math.Log2(4)
	if st.Queries != 1 || math.Abs(st.NDCG10-dcg/idcg) > 1e-9 || st.MRR10 != 0.5 || math.Abs(st.P10-0.2) > 1e-9 ||
		st.Recall100 != 1 || math.Abs(st.Unjudged10-0.1) > 1e-9 {
		t.Errorf("got %s", st)
	}
	// Condensed: x is not among the judged rows, so s comes first.
	st, _ = SearchGraded(context.Background(), s, []Query{{"1", "q"}}, qrels, GradedOptions{Gains: ESCIGains, Relevant: 2,
		Judged: map[string]bool{"e": true, "s": true, "c": true}})
	if st.MRR10 != 1 || st.Unjudged10 != 0 {
		t.Errorf("condensed: got %s", st)
	}
}

func TestKnownItems(t *testing.T) {
	s := fixedSearcher{"a": {"1", "2"}, "b": {"3"}}
	pairs := []Pair{{"a", "2", true}, {"a", "1", false}, {"b", "9", true}}
	st, err := KnownItems(context.Background(), s, pairs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Queries != 2 || st.MRR10 != 0.25 || st.Recall10 != 0.5 {
		t.Errorf("got %s", st)
	}
}
