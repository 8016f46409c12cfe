// Command shopsearch is the one binary of the service: it serves the HTTP
// API, builds indexes from catalogs and runs the quality evaluations. main
// only parses flags and wires packages together; the work is in the packages.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `shopsearch — search and recommendations for Chinese storefronts

Usage:
  shopsearch serve [--data DIR] [--addr HOST:PORT] [--admin-token T] [--seed N]
                                                       serve the API (demo catalog when DIR has none)
  shopsearch index --catalog FILE --data DIR [--admin-token T] [--url URL]
                                                       build and publish an index from a catalog
                                                       (handed to the serve that owns DIR, given its token)
  shopsearch eval search --catalog F --queries Q --qrels R
  shopsearch eval match --catalog F --pairs P
  shopsearch eval sessions --train T (--test P | --holdout F)
                                                       next-item P@20, MRR@20, coverage, novelty
  shopsearch eval split-sessions --in T --holdout-frac F --train-out X --test-out Y
  shopsearch eval cv --ratings u.data [--folds 5] [--k 10]
                                                       k-fold top-k P/R/NDCG (Gorse's protocol)
  shopsearch train (--sessions F | --behavior CSV) --out MODEL
                                                       build the recommendation models
  shopsearch gen --n N --seed S --out DIR [--titles F] write a synthetic workload: catalog, queries, events
  shopsearch load-events (--data DIR | --redis URL) FILE...
                                                       load Taobao UserBehavior CSVs or session files as events
  shopsearch bench --data DIR [--duration D]           time index build, search, suggest and updates

Run "shopsearch COMMAND -h" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "shopsearch:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand; it is main without the process around it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "index":
		return runIndex(ctx, args[1:], stdout, stderr)
	case "eval":
		return runEval(ctx, args[1:], stdout, stderr)
	case "gen":
		return runGen(ctx, args[1:], stdout, stderr)
	case "load-events":
		return runLoadEvents(ctx, args[1:], stdout, stderr)
	case "train":
		return runTrain(ctx, args[1:], stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
