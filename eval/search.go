package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"shopsearch/query"
)

// Searcher is what the search evaluation needs of an engine.
type Searcher interface {
	Search(ctx context.Context, req query.Request) (*query.Response, error)
}

// Query is one labelled query.
type Query struct{ ID, Text string }

// SearchStats are the figures `shopsearch eval search` prints.
type SearchStats struct {
	Queries    int
	MRR10      float64
	NDCG10     float64
	Recall10   float64
	Recall100  float64
	P10        float64
	ZeroResult int
}

func (s SearchStats) String() string {
	return fmt.Sprintf("queries=%d MRR@10=%.4f NDCG@10=%.4f Recall@10=%.4f Recall@100=%.4f P@10=%.4f zero_result=%d",
		s.Queries, s.MRR10, s.NDCG10, s.Recall10, s.Recall100, s.P10, s.ZeroResult)
}

// ranked returns the ids of the first 100 results of text.
func ranked(ctx context.Context, s Searcher, text string) ([]string, error) {
	resp, err := s.Search(ctx, query.Request{Text: text, Size: 100})
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", text, err)
	}
	ids := make([]string, len(resp.Items))
	for i, it := range resp.Items {
		ids[i] = it.ID
	}
	return ids, nil
}

// Search runs every query with the default ranking and averages the metrics
// over the queries that have relevance labels. With a non-nil trace, it
// writes one line per query: id, text, results, relevant, found in 100,
// rank of the first relevant result (0 = none).
func Search(ctx context.Context, s Searcher, queries []Query, qrels map[string]map[string]int, trace io.Writer) (SearchStats, error) {
	var st SearchStats
	metrics := []struct {
		m   Metric
		sum *float64
	}{{MRR(10), &st.MRR10}, {NDCG(10), &st.NDCG10}, {Recall(10), &st.Recall10}, {Recall(100), &st.Recall100}, {Precision(10), &st.P10}}
	for _, q := range queries {
		rel := qrels[q.ID]
		if len(rel) == 0 {
			continue
		}
		ids, err := ranked(ctx, s, q.Text)
		if err != nil {
			return st, err
		}
		st.Queries++
		if trace != nil {
			first := 0
			for i, id := range ids {
				if rel[id] > 0 {
					first = i + 1
					break
				}
			}
			fmt.Fprintf(trace, "%s\t%s\tresults=%d\trelevant=%d\tfound=%d\tfirst=%d\n", q.ID, q.Text, len(ids), len(rel), hits(ids, rel, 100), first)
		}
		if len(ids) == 0 {
			st.ZeroResult++
		}
		for _, m := range metrics {
			*m.sum += m.m(ids, rel)
		}
	}
	if st.Queries > 0 {
		for _, m := range metrics {
			*m.sum /= float64(st.Queries)
		}
	}
	return st, nil
}

// Pair is one human judgement: does the item doc_id answer the query?
type Pair struct {
	Query string `json:"query"`
	DocID string `json:"doc_id"`
	Match bool   `json:"match"`
}

// MatchStats are the figures `shopsearch eval match` prints.
type MatchStats struct {
	Pairs                 int
	Precision, Recall, F1 float64
}

func (s MatchStats) String() string {
	return fmt.Sprintf("pairs=%d precision=%.4f recall=%.4f F1=%.4f", s.Pairs, s.Precision, s.Recall, s.F1)
}

// Match counts a pair as matched when its item is among the query's first
// 100 results, and scores that decision against the labels.
func Match(ctx context.Context, s Searcher, pairs []Pair) (MatchStats, error) {
	results := map[string]map[string]bool{}
	var tp, fp, fn int
	for _, p := range pairs {
		got, ok := results[p.Query]
		if !ok {
			ids, err := ranked(ctx, s, p.Query)
			if err != nil {
				return MatchStats{}, err
			}
			got = make(map[string]bool, len(ids))
			for _, id := range ids {
				got[id] = true
			}
			results[p.Query] = got
		}
		switch {
		case got[p.DocID] && p.Match:
			tp++
		case got[p.DocID]:
			fp++
		case p.Match:
			fn++
		}
	}
	st := MatchStats{Pairs: len(pairs)}
	if tp+fp > 0 {
		st.Precision = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		st.Recall = float64(tp) / float64(tp+fn)
	}
	if st.Precision+st.Recall > 0 {
		st.F1 = 2 * st.Precision * st.Recall / (st.Precision + st.Recall)
	}
	return st, nil
}

// ReadQueries reads "qid<TAB>text" lines.
func ReadQueries(path string) ([]Query, error) {
	var out []Query
	err := eachLine(path, func(n int, line string) error {
		id, text, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("line %d: want qid<TAB>text", n)
		}
		out = append(out, Query{ID: strings.TrimSpace(id), Text: strings.TrimSpace(text)})
		return nil
	})
	return out, err
}

// ReadQrels reads TREC qrels: "qid 0 docid rel".
func ReadQrels(path string) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	err := eachLine(path, func(n int, line string) error {
		f := strings.Fields(line)
		if len(f) != 4 {
			return fmt.Errorf("line %d: want \"qid 0 docid rel\"", n)
		}
		rel, err := strconv.Atoi(f[3])
		if err != nil {
			return fmt.Errorf("line %d: bad relevance %q", n, f[3])
		}
		if out[f[0]] == nil {
			out[f[0]] = map[string]int{}
		}
		out[f[0]][f[2]] = rel
		return nil
	})
	return out, err
}

// ReadPairs reads the JSONL of match-dev.jsonl.
func ReadPairs(path string) ([]Pair, error) {
	var out []Pair
	err := eachLine(path, func(n int, line string) error {
		var p Pair
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

func eachLine(path string, fn func(int, string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadString('\n')
		if s := strings.TrimRight(line, "\r\n"); strings.TrimSpace(s) != "" {
			if ferr := fn(n, s); ferr != nil {
				return fmt.Errorf("%s: %w", path, ferr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
