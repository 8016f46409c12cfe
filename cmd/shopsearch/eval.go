package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"shopsearch/eval"
	"shopsearch/indexer"
	"shopsearch/query"
	"shopsearch/recall"
)

const evalKinds = "search, match, known, sessions, split-sessions, cv, ctr or slots"

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("eval needs a kind: %s", evalKinds)
	}
	switch args[0] {
	case "search", "match", "known":
		return runEvalSearch(ctx, args[0], args[1:], stdout, stderr)
	case "sessions":
		return runEvalSessions(ctx, args[1:], stdout, stderr)
	case "split-sessions":
		return runSplitSessions(args[1:], stdout, stderr)
	case "cv":
		return runEvalCV(ctx, args[1:], stdout, stderr)
	case "ctr":
		return runEvalCTR(ctx, args[1:], stdout, stderr)
	case "slots":
		return runEvalSlots(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown eval kind %q (want %s)", args[0], evalKinds)
}

// runEvalSearch runs the search relevance evaluations over a catalog:
// graded (search), the match decision (match) and known-item (known).
func runEvalSearch(ctx context.Context, kind string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval "+kind, flag.ContinueOnError)
	fs.SetOutput(stderr)
	catalog := fs.String("catalog", "", "catalog file (JSONL or CSV) to index")
	queries := fs.String("queries", "", "queries, qid<TAB>text (eval search)")
	qrels := fs.String("qrels", "", "TREC qrels: qid 0 docid grade, grades 0–3 (eval search)")
	gains := fs.String("gains", "exp", "eval search: gains of the grades: exp (2^g−1) or esci (3/2/1/0 → 1/0.1/0.01/0; relevant from grade 2)")
	judged := fs.String("judged", "", "eval search: ids of the judged rows, one a line; rankings are condensed to them (trec_eval -J)")
	runOut := fs.String("run", "", "eval search: write the rankings to this file as a TREC run")
	pairs := fs.String("pairs", "", "labelled query/doc pairs, JSONL (eval match, eval known)")
	half := fs.String("half", "", "evaluate one half of the queries only: a or b (by a hash of the query id), for tuning on one and checking on the other")
	engineName := fs.String("engine", "shopsearch", "what to evaluate: shopsearch, or bm25 (the reference baseline: BM25 over character uni+bigrams of titles)")
	strict := fs.Bool("strict", false, "shopsearch: rank by the strict tiers of relaxation instead of graded matching, for comparison")
	verbose := fs.Bool("v", false, "trace every query on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *catalog == "" {
		return fmt.Errorf("eval %s: --catalog is required", kind)
	}
	keep, err := eval.Half(*half)
	if err != nil {
		return fmt.Errorf("eval %s: %w", kind, err)
	}
	var searcher eval.Searcher
	switch *engineName {
	case "shopsearch":
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
		if *strict {
			g := query.DefaultGradeConfig()
			g.Off = true
			engine.SetGrade(g)
		}
		searcher = engine
	case "bm25":
		b, err := eval.BuildBM25(*catalog)
		if err != nil {
			return err
		}
		searcher = b
	default:
		return fmt.Errorf("eval %s: unknown --engine %q (want shopsearch or bm25)", kind, *engineName)
	}
	var trace io.Writer
	if *verbose {
		trace = stderr
	}

	switch kind {
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
		o := eval.GradedOptions{Trace: trace, Queries: keep}
		switch *gains {
		case "exp":
		case "esci":
			o.Gains, o.Relevant = eval.ESCIGains, 2
		default:
			return fmt.Errorf("eval search: unknown --gains %q (want exp or esci)", *gains)
		}
		if *judged != "" {
			if o.Judged, err = eval.ReadIDs(*judged); err != nil {
				return err
			}
		}
		if *runOut != "" {
			f, err := os.Create(*runOut)
			if err != nil {
				return fmt.Errorf("eval search: %w", err)
			}
			defer f.Close()
			o.Run = f
		}
		st, err := eval.SearchGraded(ctx, searcher, qs, rel, o)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, st)
		return nil
	case "known":
		if *pairs == "" {
			return fmt.Errorf("eval known: --pairs is required")
		}
		ps, err := eval.ReadPairs(*pairs)
		if err != nil {
			return err
		}
		st, err := eval.KnownItems(ctx, searcher, ps, keep, trace)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, st)
		return nil
	}
	if *pairs == "" {
		return fmt.Errorf("eval match: --pairs is required")
	}
	ps, err := eval.ReadPairs(*pairs)
	if err != nil {
		return err
	}
	st, err := eval.Match(ctx, searcher, ps)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, st)
	return nil
}

// sknnFlags registers the session-kNN tunables on fs, defaulting to cfg.
func sknnFlags(fs *flag.FlagSet, cfg *recall.Config) {
	k := &cfg.SKNN
	fs.IntVar(&k.Neighbours, "neighbours", k.Neighbours, "session kNN: neighbour sessions kept")
	fs.IntVar(&k.Sample, "sample", k.Sample, "session kNN: most recent sessions considered per shared item")
	fs.Float64Var(&k.Lambda1, "lambda1", k.Lambda1, "session kNN: recency decay of the current session's items (positions)")
	fs.Float64Var(&k.Lambda2, "lambda2", k.Lambda2, "session kNN: recency decay of neighbour sessions, as a fraction of the training sessions (0 off)")
	fs.Float64Var(&k.Lambda3, "lambda3", k.Lambda3, "session kNN: decay around the match in a neighbour (positions)")
	fs.BoolVar(&k.IDF, "idf", k.IDF, "session kNN: IDF-weight shared items")
	fs.Float64Var(&k.Remind, "remind", k.Remind, "weight of the session's own items (repeat consumption)")
	fs.Float64Var(&k.RemindDecay, "remind-decay", k.RemindDecay, "reminders: decay by recency rank among the session's distinct items")
	fs.Float64Var(&k.RemindRepeat, "remind-repeat", k.RemindRepeat, "reminders: extra weight per earlier occurrence of an item")
	fs.Float64Var(&k.ItemIDF, "item-idf", k.ItemIDF, "session kNN: boost rarer recommended items by 1+x·idf")
	fs.Float64Var(&k.Before, "before", k.Before, "session kNN: weight of neighbour items before the match (after: 1)")
	fs.Float64Var(&k.Similar, "similar", k.Similar, "weight of the item-to-item neighbours of the session's items")
	fs.Float64Var(&k.Transition, "transition", k.Transition, "weight of the ordered transitions from the last item")
}

// runEvalSessions trains on a sessions file and scores next-item prediction.
func runEvalSessions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval sessions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	train := fs.String("train", "", "training sessions: one a line, item ids space-separated, oldest first")
	test := fs.String("test", "", "test cases: `prefix items<TAB>next item` lines")
	holdout := fs.Float64("holdout", 0, "instead of --test, hold out this newest fraction of --train (SR-GNN prefixes)")
	cfg := recall.DefaultConfig()
	sknnFlags(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *train == "" || (*test == "") == (*holdout == 0) {
		return fmt.Errorf("eval sessions: --train and one of --test or --holdout are required")
	}
	sessions, err := recall.ReadSessionsFile(*train)
	if err != nil {
		return err
	}
	var cases []eval.SessionCase
	if *holdout != 0 {
		if sessions, cases, err = eval.HoldOut(sessions, *holdout); err != nil {
			return fmt.Errorf("eval sessions: %w", err)
		}
	} else if cases, err = eval.ReadSessionCases(*test); err != nil {
		return fmt.Errorf("eval sessions: %w", err)
	}
	cfg.SessionOnly = cfg.SKNN.Similar == 0 // then next-item prediction needs no item-to-item table
	m, err := recall.Build(sessions, nil, cfg)
	if err != nil {
		return fmt.Errorf("eval sessions: %w", err)
	}
	fmt.Fprintf(stderr, "model: %s; %d test cases\n", m.Stats(), len(cases))
	st, err := eval.Sessions(ctx, eval.ModelNextItems(m), cases, m.Items(), m.PopularityShare)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, st)
	return nil
}

// runSplitSessions writes a reproducible train/test split of a sessions file.
func runSplitSessions(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval split-sessions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "sessions file, oldest first")
	frac := fs.Float64("holdout-frac", 0.1, "newest fraction of sessions to hold out")
	trainOut := fs.String("train-out", "", "where to write the older sessions")
	testOut := fs.String("test-out", "", "where to write the test cases (prefix<TAB>next)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *trainOut == "" || *testOut == "" {
		return fmt.Errorf("eval split-sessions: --in, --train-out and --test-out are required")
	}
	sessions, err := recall.ReadSessionsFile(*in)
	if err != nil {
		return err
	}
	train, cases, err := eval.HoldOut(sessions, *frac)
	if err != nil {
		return fmt.Errorf("eval split-sessions: %w", err)
	}
	var tr, te bytes.Buffer
	if err := eval.WriteSessions(&tr, train); err != nil {
		return err
	}
	if err := eval.WriteSessionCases(&te, cases); err != nil {
		return err
	}
	if err := indexer.WriteFileAtomic(*trainOut, tr.Bytes()); err != nil {
		return fmt.Errorf("eval split-sessions: %w", err)
	}
	if err := indexer.WriteFileAtomic(*testOut, te.Bytes()); err != nil {
		return fmt.Errorf("eval split-sessions: %w", err)
	}
	fmt.Fprintf(stdout, "train_sessions=%d test_cases=%d\n", len(train), len(cases))
	return nil
}

// runEvalCV runs Gorse's k-fold top-k protocol on a ratings file.
func runEvalCV(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval cv", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ratings := fs.String("ratings", "", "ratings: user item rating timestamp, tab- or space-separated (MovieLens u.data)")
	cfg := eval.DefaultCVConfig()
	fs.IntVar(&cfg.Folds, "folds", cfg.Folds, "number of folds")
	fs.IntVar(&cfg.K, "k", cfg.K, "list length")
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the fold split")
	fs.Float64Var(&cfg.Lambda, "lambda", cfg.Lambda, "EASE ridge penalty λ")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ratings == "" {
		return fmt.Errorf("eval cv: --ratings is required")
	}
	rs, err := eval.ReadRatings(*ratings)
	if err != nil {
		return fmt.Errorf("eval cv: %w", err)
	}
	st, err := eval.CrossValidate(ctx, rs, cfg)
	if err != nil {
		return fmt.Errorf("eval cv: %w", err)
	}
	fmt.Fprintln(stdout, st)
	return nil
}

// runEvalCTR replays a behaviour CSV into impressions and measures the
// learned CTR model against the heuristic blend.
func runEvalCTR(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval ctr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	behaviour := fs.String("behavior", "", "behaviour CSV: user_id,item_id,category_id,behavior_type,timestamp (Taobao UserBehavior)")
	cfg := eval.DefaultCTREvalConfig()
	fs.Float64Var(&cfg.RecallFrac, "recall-frac", cfg.RecallFrac, "the events before this quantile of their times train the recall model")
	fs.Float64Var(&cfg.TrainFrac, "train-frac", cfg.TrainFrac, "impressions before this quantile train the CTR model, later ones test it")
	fs.DurationVar(&cfg.Window, "window", cfg.Window, "an interaction this long after an impression labels its item clicked")
	fs.IntVar(&cfg.Candidates, "candidates", cfg.Candidates, "items recalled per impression")
	fs.IntVar(&cfg.Stride, "stride", cfg.Stride, "keep every n-th impression")
	fs.Float64Var(&cfg.L2, "l2", cfg.L2, "L2 penalty of the logistic regression")
	verbose := fs.Bool("v", false, "print the trained model's weights on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *behaviour == "" {
		return fmt.Errorf("eval ctr: --behavior is required")
	}
	f, err := os.Open(*behaviour)
	if err != nil {
		return fmt.Errorf("eval ctr: %w", err)
	}
	evs, err := recall.ReadBehaviourCSV(bufio.NewReader(f))
	f.Close()
	if err != nil {
		return fmt.Errorf("eval ctr: %s: %w", *behaviour, err)
	}
	st, err := eval.EvalCTR(ctx, evs, cfg)
	if err != nil {
		return err
	}
	if *verbose && st.Model != nil {
		fmt.Fprintf(stderr, "%s newton_steps=%d\nweights %v bias %.4f sources %v\n", st.Model, st.Model.Iterates, st.Model.Weights, st.Model.Bias, st.Model.Sources)
	}
	fmt.Fprintln(stdout, st)
	return nil
}
