package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"shopsearch/recall"
)

// runTrain builds the recall models from a sessions file and/or a
// behaviour CSV and publishes the model file atomically.
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Item.Similarity = recall.Similarity(*sim)
	if *out == "" || (*sessionsPath == "" && *behaviour == "") {
		return fmt.Errorf("train: --out and at least one of --sessions or --behavior are required")
	}
	var sessions []recall.Session
	var cats map[string]string
	if *sessionsPath != "" {
		s, err := readSessionsFile(*sessionsPath)
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		sessions = append(sessions, s...)
	}
	if *behaviour != "" {
		f, err := os.Open(*behaviour)
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		evs, err := recall.ReadBehaviourCSV(bufio.NewReader(f))
		f.Close()
		if err != nil {
			return fmt.Errorf("train: %s: %w", *behaviour, err)
		}
		cats = map[string]string{}
		for _, e := range evs {
			cats[e.Item] = e.Category
		}
		sessions = append(sessions, recall.SessionsFromEvents(evs, *gap)...)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m, err := recall.Build(sessions, cats, cfg)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := m.Save(*out); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n", *out, m.Stats())
	return nil
}
