package eval

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"slices"
	"strings"
)

// Graded evaluation (`shopsearch eval search`): qrels grade items 0–3, may
// be incomplete, and may cover only part of the catalog.

// Gains maps a qrels grade to the gain NDCG counts.
type Gains func(grade int) float64

// ExpGains is the classic 2^g − 1.
func ExpGains(g int) float64 { return math.Pow(2, float64(g)) - 1 }

// ESCIGains are the KDD Cup 2022 weights of Exact (3), Substitute (2),
// Complement (1) and Irrelevant (0): 1, 0.1, 0.01 and 0.
func ESCIGains(g int) float64 {
	switch g {
	case 3:
		return 1
	case 2:
		return 0.1
	case 1:
		return 0.01
	}
	return 0
}

// GradedOptions configure SearchGraded.
type GradedOptions struct {
	Gains Gains // nil: ExpGains
	// Relevant is the lowest grade that counts as relevant for MRR, P@10
	// and Recall; a query counts only when it has an item that relevant.
	// 0 means 1.
	Relevant int
	// Judged, when set, condenses every ranking to these ids before the
	// cut (trec_eval -J): the rows that were ever judged.
	Judged map[string]bool
	// Run, when set, receives the rankings as a TREC run.
	Run io.Writer
	// Trace, when set, receives one line per query.
	Trace io.Writer
	// Queries keeps only the queries it accepts (nil: all), for halves.
	Queries func(Query) bool
}

// GradedStats are the figures `shopsearch eval search` prints.
type GradedStats struct {
	Queries   int
	MRR10     float64
	NDCG10    float64
	P10       float64
	Recall100 float64
	// Unjudged10 is the mean share of the first ten results that carry no
	// label for the query (with Judged: that are outside it).
	Unjudged10 float64
}

func (s GradedStats) String() string {
	return fmt.Sprintf("queries=%d MRR@10=%.4f NDCG@10=%.4f P@10=%.4f Recall@100=%.4f unjudged@10=%.4f",
		s.Queries, s.MRR10, s.NDCG10, s.P10, s.Recall100, s.Unjudged10)
}

// SearchGraded runs every labelled query through s (the first 100 results)
// and averages the graded metrics. The ideal DCG is computed from every
// judged item of the query; an unjudged result gains nothing.
func SearchGraded(ctx context.Context, s Searcher, queries []Query, qrels map[string]map[string]int, o GradedOptions) (GradedStats, error) {
	gain := o.Gains
	if gain == nil {
		gain = ExpGains
	}
	relevant := max(o.Relevant, 1)
	var st GradedStats
	var run *bufio.Writer
	if o.Run != nil {
		run = bufio.NewWriter(o.Run)
	}
	for _, q := range queries {
		rel := qrels[q.ID]
		if !slices.ContainsFunc(grades(rel), func(g int) bool { return g >= relevant }) {
			continue
		}
		if o.Queries != nil && !o.Queries(q) {
			continue
		}
		ids, err := ranked(ctx, s, q.Text)
		if err != nil {
			return st, err
		}
		if o.Judged != nil {
			ids = slices.DeleteFunc(ids, func(id string) bool { return !o.Judged[id] })
		}
		st.Queries++
		if run != nil {
			for i, id := range ids {
				fmt.Fprintf(run, "%s Q0 %s %d %d shopsearch\n", q.ID, id, i+1, len(ids)-i)
			}
		}
		m := gradedMetrics(ids, rel, gain, relevant, o.Judged)
		st.MRR10 += m.MRR10
		st.NDCG10 += m.NDCG10
		st.P10 += m.P10
		st.Recall100 += m.Recall100
		st.Unjudged10 += m.Unjudged10
		if o.Trace != nil {
			fmt.Fprintf(o.Trace, "%s\t%s\tresults=%d\tMRR=%.3f\tNDCG=%.3f\tunjudged=%.1f\n", q.ID, q.Text, len(ids), m.MRR10, m.NDCG10, m.Unjudged10)
		}
	}
	if n := float64(st.Queries); n > 0 {
		st.MRR10 /= n
		st.NDCG10 /= n
		st.P10 /= n
		st.Recall100 /= n
		st.Unjudged10 /= n
	}
	if run != nil {
		if err := run.Flush(); err != nil {
			return st, fmt.Errorf("write run: %w", err)
		}
	}
	return st, nil
}

func grades(rel map[string]int) []int {
	out := make([]int, 0, len(rel))
	for _, g := range rel {
		out = append(out, g)
	}
	return out
}

// gradedMetrics scores one ranking; Queries is unused.
func gradedMetrics(ids []string, rel map[string]int, gain Gains, relevant int, judged map[string]bool) GradedStats {
	var m GradedStats
	var dcg float64
	found, total := 0, 0
	for _, g := range rel {
		if g >= relevant {
			total++
		}
	}
	for i, id := range ids[:min(100, len(ids))] {
		g, ok := rel[id]
		if i < 10 {
			if ok {
				dcg += gain(g) / math.Log2(float64(i+2))
			}
			if !ok && (judged == nil || !judged[id]) {
				m.Unjudged10 += 0.1
			}
			if ok && g >= relevant {
				m.P10 += 0.1
				if m.MRR10 == 0 {
					m.MRR10 = 1 / float64(i+1)
				}
			}
		}
		if ok && g >= relevant {
			found++
		}
	}
	gs := grades(rel)
	slices.SortFunc(gs, func(a, b int) int { return b - a })
	var idcg float64
	for i, g := range gs[:min(10, len(gs))] {
		idcg += gain(g) / math.Log2(float64(i+2))
	}
	if idcg > 0 {
		m.NDCG10 = dcg / idcg
	}
	if total > 0 {
		m.Recall100 = float64(found) / float64(total)
	}
	return m
}

// ReadIDs reads one id a line (product1m-dev/judged.txt).
func ReadIDs(path string) (map[string]bool, error) {
	out := map[string]bool{}
	err := eachLine(path, func(_ int, line string) error {
		out[strings.TrimSpace(line)] = true
		return nil
	})
	return out, err
}

// KnownStats are the figures `shopsearch eval known` prints.
type KnownStats struct {
	Queries         int
	MRR10, Recall10 float64
}

func (s KnownStats) String() string {
	return fmt.Sprintf("queries=%d MRR@10=%.4f Recall@10=%.4f", s.Queries, s.MRR10, s.Recall10)
}

// KnownItems scores known-item search on the true pairs: for each query,
// the items it is labelled to match are the ones wanted. keep (nil: all)
// selects queries, for halves.
func KnownItems(ctx context.Context, s Searcher, pairs []Pair, keep func(Query) bool, trace io.Writer) (KnownStats, error) {
	want := map[string]map[string]int{}
	var order []string
	for _, p := range pairs {
		if !p.Match {
			continue
		}
		if want[p.Query] == nil {
			want[p.Query] = map[string]int{}
			order = append(order, p.Query)
		}
		want[p.Query][p.DocID] = 1
	}
	var st KnownStats
	for _, q := range order {
		if keep != nil && !keep(Query{ID: q, Text: q}) {
			continue
		}
		ids, err := ranked(ctx, s, q)
		if err != nil {
			return st, err
		}
		st.Queries++
		mrr, rec := MRR(10)(ids, want[q]), Recall(10)(ids, want[q])
		st.MRR10 += mrr
		st.Recall10 += rec
		if trace != nil {
			first := 0
			for i, id := range ids {
				if want[q][id] > 0 {
					first = i + 1
					break
				}
			}
			fmt.Fprintf(trace, "%s\tresults=%d\tfirst=%d\n", q, len(ids), first)
		}
	}
	if st.Queries > 0 {
		st.MRR10 /= float64(st.Queries)
		st.Recall10 /= float64(st.Queries)
	}
	return st, nil
}

// Half returns the filter of one half of the queries, "a" or "b", split by
// a hash of the query id ("" keeps all): tune on one, check on the other.
func Half(h string) (func(Query) bool, error) {
	switch h {
	case "":
		return nil, nil
	case "a", "b":
		want := uint64(0)
		if h == "b" {
			want = 1
		}
		return func(q Query) bool {
			f := fnv.New64a()
			f.Write([]byte(q.ID))
			return f.Sum64()&1 == want
		}, nil
	}
	return nil, fmt.Errorf("unknown half %q (want a or b)", h)
}
