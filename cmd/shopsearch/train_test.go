package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"shopsearch/recall"
)

// writeTemp writes content to a file in dir and returns its path.
func writeTemp(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func tinySessions() string {
	var b strings.Builder
	for i := 0; i < 30; i++ {
		b.WriteString("a b c\nx y\n")
	}
	b.WriteString("a b c\nx y\na b\n")
	return b.String()
}

func TestTrainCommand(t *testing.T) {
	dir := t.TempDir()
	sessions := writeTemp(t, dir, "s.txt", tinySessions())
	csv := writeTemp(t, dir, "b.csv", "user_id,item_id,category_id,behavior_type,timestamp\n1,p,9,pv,10\n1,q,9,buy,20\n2,p,9,buy,30\n2,q,9,cart,40\n")
	out := filepath.Join(dir, "model.bin")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"train", "--sessions", sessions, "--behavior", csv, "--out", out, "--similarity", "swing"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("train: %v\n%s", err, stderr.String())
	}
	if !regexp.MustCompile(`^wrote .*model.bin: items=7 sessions=\d+ .* build=\S+\n$`).MatchString(stdout.String()) {
		t.Errorf("train output %q", stdout.String())
	}
	m, err := recall.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.BoughtTogether([]string{"p"}, 5, nil); len(got) == 0 || got[0].Item != "q" {
		t.Errorf("bought together p: %v", got)
	}
	if got := m.NextInSession([]string{"a", "b"}, 5, nil); len(got) == 0 {
		t.Error("no session recommendations from the trained model")
	}

	for _, args := range [][]string{
		{"train"},
		{"train", "--sessions", sessions},
		{"train", "--sessions", filepath.Join(dir, "missing"), "--out", out},
		{"train", "--sessions", sessions, "--out", out, "--similarity", "jaccard"},
		{"train", "--behavior", sessions, "--out", out}, // not a CSV
		{"train", "--sessions", sessions, "--out", filepath.Join(dir, "no", "such", "dir", "m")},
	} {
		if err := run(context.Background(), args, &stdout, &stderr); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestEvalRecommendationCommands(t *testing.T) {
	dir := t.TempDir()
	sessions := writeTemp(t, dir, "s.txt", tinySessions())
	train, test := filepath.Join(dir, "train.txt"), filepath.Join(dir, "test.txt")
	var stdout, stderr bytes.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"eval", "split-sessions", "--in", sessions, "--holdout-frac", "0.1", "--train-out", train, "--test-out", test}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	if got := stdout.String(); got != "train_sessions=56 test_cases=10\n" {
		t.Errorf("split output %q", got)
	}
	cases, _ := os.ReadFile(test)
	if !strings.HasPrefix(string(cases), "a\tb\na b\tc\nx\ty\n") {
		t.Errorf("test cases:\n%s", cases)
	}
	format := regexp.MustCompile(`^P@20=\d+\.\d\d MRR@20=\d+\.\d\d coverage=[01]\.\d{4} novelty=\d+\.\d\d\n$`)
	for _, args := range [][]string{
		{"eval", "sessions", "--train", train, "--test", test},
		{"eval", "sessions", "--train", sessions, "--holdout", "0.1"},
	} {
		stdout.Reset()
		if err := run(ctx, args, &stdout, &stderr); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if !format.MatchString(stdout.String()) {
			t.Errorf("%q printed %q", args, stdout.String())
		}
		if !strings.HasPrefix(stdout.String(), "P@20=100.00 ") {
			t.Errorf("%q: the tiny data is fully predictable, got %q", args, stdout.String())
		}
	}

	var ratings strings.Builder
	for u := 0; u < 20; u++ {
		for i := 0; i < 12; i++ {
			if (u+i)%3 != 0 {
				ratings.WriteString(strings.Join([]string{strconv.Itoa(u), strconv.Itoa(i), "5", "100"}, "\t") + "\n")
			}
		}
	}
	udata := writeTemp(t, dir, "u.data", ratings.String())
	stdout.Reset()
	if err := run(ctx, []string{"eval", "cv", "--ratings", udata, "--folds", "5", "--k", "10"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^P@10=0\.\d{4} R@10=[01]\.\d{4} NDCG@10=[01]\.\d{4}\n$`).MatchString(stdout.String()) {
		t.Errorf("cv printed %q", stdout.String())
	}

	bad := writeTemp(t, dir, "bad.txt", "a b no-tab\n")
	for _, args := range [][]string{
		{"eval"},
		{"eval", "nope"},
		{"eval", "sessions", "--train", sessions},
		{"eval", "sessions", "--train", sessions, "--test", test, "--holdout", "0.1"},
		{"eval", "sessions", "--train", sessions, "--holdout", "1.5"},
		{"eval", "sessions", "--train", sessions, "--test", bad},
		{"eval", "split-sessions", "--in", sessions},
		{"eval", "cv"},
		{"eval", "cv", "--ratings", udata, "--folds", "1"},
		{"eval", "search", "--queries", "q"}, // search still needs --catalog
	} {
		if err := run(ctx, args, &stdout, &stderr); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
