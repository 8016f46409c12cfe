package eval

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden relevance stats in testdata/")

// sharedData is the shared data directory, beside the repository.
const sharedData = "../../shared/data"

// TestRelevanceGolden runs the relevance evaluations over the whole shared
// catalog — product1m-dev (whole and condensed to its judged rows),
// taobao-esci-dev (ESCI gains), the known items and the match decisions of
// match-dev — and compares the figures with testdata/*.txt, so that a change in
// search quality shows up as a diff in review. Rewrite them with
// go test ./eval -run Golden -update.
func TestRelevanceGolden(t *testing.T) {
	catalog := filepath.Join(sharedData, "catalog/titles.jsonl")
	if _, err := os.Stat(catalog); err != nil {
		t.Skipf("shared data not found at %s (it sits beside the repository in CI): skipping the relevance evaluation", sharedData)
	}
	if testing.Short() {
		t.Skip("relevance evaluation skipped in -short mode")
	}
	engine, _, _, err := BuildEngine(catalog, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	ctx := context.Background()

	queries, err := ReadQueries(filepath.Join(sharedData, "relevance/product1m-dev/queries.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	qrels, err := ReadQrels(filepath.Join(sharedData, "relevance/product1m-dev/qrels.txt"))
	if err != nil {
		t.Fatal(err)
	}
	search, err := Search(ctx, engine, queries, qrels, nil)
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := ReadPairs(filepath.Join(sharedData, "relevance/match-dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	match, err := Match(ctx, engine, pairs)
	if err != nil {
		t.Fatal(err)
	}
	judged, err := ReadIDs(filepath.Join(sharedData, "relevance/product1m-dev/judged.txt"))
	if err != nil {
		t.Fatal(err)
	}
	condensed, err := SearchGraded(ctx, engine, queries, qrels, GradedOptions{Judged: judged})
	if err != nil {
		t.Fatal(err)
	}
	esciQueries, err := ReadQueries(filepath.Join(sharedData, "relevance/taobao-esci-dev/queries.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	esciQrels, err := ReadQrels(filepath.Join(sharedData, "relevance/taobao-esci-dev/qrels.txt"))
	if err != nil {
		t.Fatal(err)
	}
	esci, err := SearchGraded(ctx, engine, esciQueries, esciQrels, GradedOptions{Gains: ESCIGains, Relevant: 2})
	if err != nil {
		t.Fatal(err)
	}
	known, err := KnownItems(ctx, engine, pairs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/product1m-dev.txt", search.String())
	golden(t, "testdata/product1m-dev-condensed.txt", condensed.String())
	golden(t, "testdata/taobao-esci-dev.txt", esci.String())
	golden(t, "testdata/known-dev.txt", known.String())
	golden(t, "testdata/match-dev.txt", match.String())
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	got += "\n"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s changed:\n-%s+%s(if the change is intended, rewrite with go test ./eval -run Golden -update)", path, want, strings.TrimPrefix(got, ""))
	}
}
