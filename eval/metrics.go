// Package eval measures search and recommendation quality on labelled data.
// It is its own package because it drives the pipeline stages from outside,
// the way a user would, and belongs to none of them.
package eval

import (
	"math"
	"slices"
)

// Metric scores one ranked list against the relevant ids (id → grade > 0).
type Metric func(ranked []string, relevant map[string]int) float64

// MRR returns reciprocal rank of the first relevant id within the top k.
func MRR(k int) Metric {
	return func(ranked []string, rel map[string]int) float64 {
		for i, id := range ranked[:min(k, len(ranked))] {
			if rel[id] > 0 {
				return 1 / float64(i+1)
			}
		}
		return 0
	}
}

// NDCG returns normalised discounted cumulative gain at k, with gain 2^g-1.
func NDCG(k int) Metric {
	return func(ranked []string, rel map[string]int) float64 {
		var dcg float64
		for i, id := range ranked[:min(k, len(ranked))] {
			if g := rel[id]; g > 0 {
				dcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i+2))
			}
		}
		grades := make([]int, 0, len(rel))
		for _, g := range rel {
			if g > 0 {
				grades = append(grades, g)
			}
		}
		slices.SortFunc(grades, func(a, b int) int { return b - a })
		var idcg float64
		for i, g := range grades[:min(k, len(grades))] {
			idcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i+2))
		}
		if idcg == 0 {
			return 0
		}
		return dcg / idcg
	}
}

// Recall returns the share of relevant ids found within the top k.
func Recall(k int) Metric {
	return func(ranked []string, rel map[string]int) float64 {
		total := 0
		for _, g := range rel {
			if g > 0 {
				total++
			}
		}
		if total == 0 {
			return 0
		}
		return float64(hits(ranked, rel, k)) / float64(total)
	}
}

// Precision returns the share of the top k that is relevant (k in the
// denominator even when fewer results came back).
func Precision(k int) Metric {
	return func(ranked []string, rel map[string]int) float64 {
		return float64(hits(ranked, rel, k)) / float64(k)
	}
}

func hits(ranked []string, rel map[string]int, k int) int {
	n := 0
	for _, id := range ranked[:min(k, len(ranked))] {
		if rel[id] > 0 {
			n++
		}
	}
	return n
}
