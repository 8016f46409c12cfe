package eval

import (
	"math"
	"testing"
)

func TestMetrics(t *testing.T) {
	rel := map[string]int{"a": 1, "b": 1, "c": 1}
	ranked := []string{"x", "a", "y", "b"}
	for _, tc := range []struct {
		name string
		m    Metric
		want float64
	}{
		{"MRR@10", MRR(10), 0.5},
		{"MRR@1", MRR(1), 0},
		{"P@10", Precision(10), 0.2},
		{"R@10", Recall(10), 2.0 / 3},
		{"R@2", Recall(2), 1.0 / 3},
		{"NDCG@10", NDCG(10), (1/math.Log2(3) + 1/math.Log2(5)) / (1 + 1/math.Log2(3) + 1/math.Log2(4))},
	} {
		if got := tc.m(ranked, rel); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := NDCG(10)(nil, map[string]int{}); got != 0 {
		t.Errorf("NDCG with no relevant = %v", got)
	}
}
