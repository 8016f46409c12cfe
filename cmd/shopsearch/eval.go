package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"shopsearch/eval"
)

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("eval needs a kind: search or match")
	}
	fs := flag.NewFlagSet("eval "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	catalog := fs.String("catalog", "", "catalog file (JSONL or CSV) to index")
	queries := fs.String("queries", "", "queries, qid<TAB>text (eval search)")
	qrels := fs.String("qrels", "", "TREC qrels: qid 0 docid rel (eval search)")
	pairs := fs.String("pairs", "", "labelled query/doc pairs, JSONL (eval match)")
	verbose := fs.Bool("v", false, "trace every query on stderr")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *catalog == "" {
		return fmt.Errorf("eval %s: --catalog is required", args[0])
	}
	dir, err := os.MkdirTemp("", "shopsearch-eval-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	engine, _, _, err := eval.BuildEngine(*catalog, dir, nil)
	if err != nil {
		return err
	}
	defer engine.Close()

	switch args[0] {
	case "search":
		if *queries == "" || *qrels == "" {
			return fmt.Errorf("eval search: --queries and --qrels are required")
		}
		qs, err := eval.ReadQueries(*queries)
		if err != nil {
			return err
		}
		rel, err := eval.ReadQrels(*qrels)
		if err != nil {
			return err
		}
		var trace io.Writer
		if *verbose {
			trace = stderr
		}
		st, err := eval.Search(ctx, engine, qs, rel, trace)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, st)
	case "match":
		if *pairs == "" {
			return fmt.Errorf("eval match: --pairs is required")
		}
		ps, err := eval.ReadPairs(*pairs)
		if err != nil {
			return err
		}
		st, err := eval.Match(ctx, engine, ps)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, st)
	default:
		return fmt.Errorf("unknown eval kind %q (want search or match)", args[0])
	}
	return nil
}
