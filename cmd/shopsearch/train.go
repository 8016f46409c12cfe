package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"shopsearch/recall"
	"shopsearch/recall/ctr"
)

// runTrain builds the recall models from a sessions file and/or a
// behaviour CSV, and/or the CTR model from the sample logs, and publishes
// the model files atomically.
func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sessionsPath := fs.String("sessions", "", "sessions file: one a line, item ids space-separated, oldest first")
	behaviour := fs.String("behavior", "", "behaviour CSV: user_id,item_id,category_id,behavior_type,timestamp (pv/cart/fav/buy)")
	out := fs.String("out", "", "model file to write (atomically)")
	gap := fs.Duration("session-gap", 30*time.Minute, "behaviour CSV: cut a user's history into sessions at gaps longer than this (0: one per user)")
	cfg := recall.DefaultConfig()
	sim := fs.String("similarity", string(cfg.Item.Similarity), "item-to-item similarity: cosine or swing")
	fs.IntVar(&cfg.Item.TopK, "topk", cfg.Item.TopK, "neighbours kept per item")
	fs.IntVar(&cfg.Item.Window, "window", cfg.Item.Window, "largest position distance of a co-occurring pair (0: whole session)")
	fs.DurationVar(&cfg.Item.TimeHalfLife, "time-half-life", 0, "halve a pair's weight per this much time between its events (0: off)")
	fs.DurationVar(&cfg.Hot.HalfLife, "hot-half-life", 0, "halve an event's weight in the hot lists per this much age (0: off)")
	w := &cfg.EventWeights
	fs.Float64Var(&w[recall.View], "w-view", w[recall.View], "weight of a view")
	fs.Float64Var(&w[recall.Cart], "w-cart", w[recall.Cart], "weight of an add-to-cart")
	fs.Float64Var(&w[recall.Fav], "w-fav", w[recall.Fav], "weight of a favourite")
	fs.Float64Var(&w[recall.Buy], "w-buy", w[recall.Buy], "weight of a purchase")
	sknnFlags(fs, &cfg)
	ctrSamples := fs.String("ctr-samples", "", "train the CTR model on these sample logs: directories (DATA/"+recall.SampleDir+") or files, comma-separated")
	ctrOut := fs.String("ctr-out", "", "CTR model file to write (atomically), e.g. DATA/"+recall.CTRModelFile)
	ctrWindow := fs.Duration("ctr-window", ctr.DefaultJoinWindow, "a click counts for an impression up to this long after it")
	ctrCfg := ctr.DefaultConfig()
	fs.Float64Var(&ctrCfg.L2, "ctr-l2", ctrCfg.L2, "CTR model: L2 penalty")
	fs.IntVar(&ctrCfg.MinSamples, "ctr-min-samples", ctrCfg.MinSamples, "CTR model: fewer labelled samples refuse to train")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Item.Similarity = recall.Similarity(*sim)
	if *ctrSamples != "" {
		if *ctrOut == "" {
			return fmt.Errorf("train: --ctr-samples needs --ctr-out")
		}
		if err := trainCTR(strings.Split(*ctrSamples, ","), *ctrOut, *ctrWindow, ctrCfg, stdout); err != nil {
			return fmt.Errorf("train: %w", err)
		}
		if *out == "" && *sessionsPath == "" && *behaviour == "" {
			return nil
		}
	}
	if *out == "" || (*sessionsPath == "" && *behaviour == "") {
		return fmt.Errorf("train: --out and at least one of --sessions or --behavior are required (or --ctr-samples and --ctr-out)")
	}
	m, err := recall.BuildFromFiles(ctx, *sessionsPath, *behaviour, *gap, cfg)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := m.Save(*out); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n", *out, m.Stats())
	return nil
}

// trainCTR joins the sample logs at paths, trains the CTR model and
// publishes it at out.
func trainCTR(paths []string, out string, window time.Duration, cfg ctr.Config, stdout io.Writer) error {
	samples, st, err := ctr.ReadSamples(paths, window)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ctr samples: %s\n", st)
	m, err := ctr.Train(samples, cfg)
	if err != nil {
		return err
	}
	if err := m.Save(out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n", out, m)
	return nil
}
