package eval

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"testing"

	"shopsearch/query"
)

var tune = flag.String("tune", "", "run TestTuneGrade over these settings (a Go-syntax list is not parsed: see the test)")

// TestTuneGrade evaluates graded-matching settings on both halves of every
// set (go test ./eval -run TuneGrade -tune on -v). It is how
// query.DefaultGradeConfig was chosen: on half a, checked on half b.
func TestTuneGrade(t *testing.T) {
	if *tune == "" {
		t.Skip("tuning runs with -tune on")
	}
	catalog := filepath.Join(sharedData, "catalog/titles.jsonl")
	engine, _, _, err := BuildEngine(catalog, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	ctx := context.Background()
	rd := func(p string) string { return filepath.Join(sharedData, "relevance", p) }
	eq, _ := ReadQueries(rd("taobao-esci-dev/queries.tsv"))
	er, _ := ReadQrels(rd("taobao-esci-dev/qrels.txt"))
	pq, _ := ReadQueries(rd("product1m-dev/queries.tsv"))
	pr, _ := ReadQrels(rd("product1m-dev/qrels.txt"))
	pj, _ := ReadIDs(rd("product1m-dev/judged.txt"))
	pairs, _ := ReadPairs(rd("match-dev.jsonl"))
	for _, v := range tuneVariants() {
		engine.SetGrade(v.cfg)
		if v.set != nil {
			v.set()
		}
		line := fmt.Sprintf("%-28s", v.name)
		for _, h := range []string{"a", "b"} {
			keep, _ := Half(h)
			es, err := SearchGraded(ctx, engine, eq, er, GradedOptions{Gains: ESCIGains, Relevant: 2, Queries: keep})
			if err != nil {
				t.Fatal(err)
			}
			ps, _ := SearchGraded(ctx, engine, pq, pr, GradedOptions{Judged: pj, Queries: keep})
			ks, _ := KnownItems(ctx, engine, pairs, keep, nil)
			line += fmt.Sprintf(" | %s esci %.3f/%.2f known %.3f p1m %.3f/%.3f", h, es.NDCG10, es.Unjudged10, ks.MRR10, ps.MRR10, ps.NDCG10)
		}
		m, _ := Match(ctx, engine, pairs)
		line += fmt.Sprintf(" | F1 %.3f", m.F1)
		t.Log(line)
	}
}

type tuneVariant struct {
	name string
	cfg  query.GradeConfig
	set  func() // sets what the config does not hold (Bleve's BM25 b)
}
