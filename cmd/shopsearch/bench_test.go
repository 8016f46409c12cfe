package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// genTestTitles is the generator's fixture of real titles.
const genTestTitles = "../../indexer/testdata/gen-titles.jsonl"

// TestGenAndBenchSmoke generates a tiny workload, benchmarks it with short
// phases and checks that the table has every row. It asserts no timings.
func TestGenAndBenchSmoke(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"gen", "--n", "400", "--seed", "3", "--out", dir, "--titles", genTestTitles,
		"--queries", "100", "--searches", "2000", "--events", "1000"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("gen: %v\n%s", err, stderr.String())
	}
	for _, name := range []string{genCatalogFile, genQueriesFile, genEventsFile} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Fatalf("gen wrote no %s (%v)", name, err)
		}
	}
	for _, want := range []string{"400 products", "title length, runes:", "title length, tokens:"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("gen output lacks %q:\n%s", want, stdout.String())
		}
	}

	stdout.Reset()
	stderr.Reset()
	err = run(ctx, []string{"bench", "--data", dir, "--duration", "200ms", "--concurrency", "2"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	table := stdout.String()
	t.Logf("bench table:\n%s", table)
	for _, row := range []string{
		"index build", "open catalog", "search in-process (1 goroutine)", "search HTTP (2 clients)",
		"suggest in-process (1 goroutine)", "suggest HTTP (2 clients)", "recommend in-process (1 goroutine)",
		"partial updates (batches of 100)", "events intake (embedded store)", "index size on disk", "RSS while serving",
	} {
		if !strings.Contains(table, "\n"+row+" ") {
			t.Errorf("the table lacks the row %q:\n%s", row, table)
		}
	}
	if strings.Contains(table, "errors, first:") {
		t.Errorf("a phase had errors:\n%s", table)
	}
	if !strings.Contains(table, "400 products") {
		t.Errorf("the table does not say how many products:\n%s", table)
	}

	// A second run finds the index and does not rebuild it.
	stdout.Reset()
	err = run(ctx, []string{"bench", "--data", dir, "--duration", "50ms", "--concurrency", "1"}, &stdout, &stderr)
	if err != nil || !strings.Contains(stdout.String(), "--rebuild") {
		t.Errorf("second bench: %v\n%s", err, stdout.String())
	}
}

func TestGenNeedsTitles(t *testing.T) {
	var stdout, stderr bytes.Buffer
	missing := filepath.Join(t.TempDir(), "no-titles.jsonl")
	err := run(context.Background(), []string{"gen", "--n", "10", "--out", t.TempDir(), "--titles", missing}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--titles") || !strings.Contains(err.Error(), "no-titles.jsonl") {
		t.Errorf("gen without titles: %v", err)
	}
	for _, args := range [][]string{
		{"gen", "--n", "10"},               // no --out
		{"gen", "--out", t.TempDir(), "x"}, // stray argument
		{"gen", "--n", "0", "--out", "x"},  // no products
		{"bench"},                          // no --data
		{"bench", "--data", t.TempDir()},   // no workload there
		{"bench", "--data", "x", "--duration", "0s"},
	} {
		if err := run(context.Background(), args, &stdout, &stderr); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
