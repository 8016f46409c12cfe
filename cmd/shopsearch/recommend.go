package main

import (
	"flag"
	"fmt"
	"time"

	"shopsearch/recall"
	"shopsearch/server"
)

// recommendDeps wires the recommendations: the slot pins and the
// sensitive categories (in the profiles' store, when there is one) and the
// recommendation service (recall.Service) over the engine, the behaviour
// store and the models of the data directory. m.closeRecommend stops the
// service's watcher and retrainings.
func (m *Main) recommendDeps() (server.RecommendDeps, error) {
	var d server.RecommendDeps
	var settings server.SlotPinStore
	if ms, ok := m.state.(*merchState); ok {
		p, err := server.NewSlotPins(ms.st)
		if err != nil {
			return d, err
		}
		d.Pins, settings = p, ms.st
	}
	sens, err := server.NewSensitiveList(settings)
	if err != nil {
		return d, err
	}
	d.Sensitive = sens
	if m.events != nil {
		if b, ok := m.events.st.(server.RecBehavior); ok {
			d.Behavior = b
		}
	}
	cfg := recall.ServiceConfig{Catalog: m.engine, Behavior: d.Behavior, Sensitive: sens, DataDir: m.cfg.DataDir,
		ModelPoll: m.cfg.ModelPoll, CTRRetrain: m.cfg.CTRRetrain, RecallRetrain: m.cfg.RecallRetrain,
		RecallBehavior: m.cfg.RecallBehavior, RecallSessions: m.cfg.RecallSessions, NoSampleLog: m.cfg.NoSampleLog,
		Now: m.cfg.Now, Logf: func(format string, args ...any) {
			fmt.Fprintf(m.cfg.Stdout, "recommendations: "+format+"\n", args...)
		}}
	if d.Pins != nil {
		cfg.Pins = d.Pins
	}
	if m.cfg.RecallFromStore {
		if cfg.RecallStore = storeEvents(m.events); cfg.RecallStore == nil {
			return d, fmt.Errorf("--recall-from-store: the behaviour store cannot be scanned")
		}
	}
	if m.rec, err = recall.NewService(cfg); err != nil {
		return d, err
	}
	m.pins, m.sensitive = d.Pins, sens // replication reloads them (serve_stream.go)
	d.Service = m.rec
	return d, nil
}

// storeEvents is the behaviour store for the recall retraining to scan
// (not through the guard of the slots' reads); nil without one.
func storeEvents(ev *eventsState) recall.BehaviorLog {
	if ev == nil {
		return nil
	}
	st := ev.st
	if g, ok := st.(guardedStore); ok {
		st = g.behaviorStore
	}
	l, _ := st.(recall.BehaviorLog)
	return l
}

// closeRecommend stops the recommendation service's watcher and
// retrainings and closes its sample log.
func (m *Main) closeRecommend() error {
	if m.rec == nil {
		return nil
	}
	return m.rec.Close()
}

// recFlags registers serve's recommendation flags on fs.
func recFlags(fs *flag.FlagSet, cfg *ServeConfig) {
	fs.DurationVar(&cfg.ModelPoll, "model-poll", 10*time.Second, "check DATA/"+recall.ModelFile+" and DATA/"+recall.CTRModelFile+" for a new version this often (negative: never)")
	fs.DurationVar(&cfg.CTRRetrain, "ctr-retrain", time.Hour, "retrain the CTR model on DATA/"+recall.SampleDir+" this often (0: never)")
	fs.DurationVar(&cfg.RecallRetrain, "recall-retrain", 24*time.Hour, "retrain the recall model on --recall-behavior/--recall-sessions this often (0: never)")
	fs.StringVar(&cfg.RecallBehavior, "recall-behavior", "", "behaviour CSV the scheduled recall retraining reads")
	fs.StringVar(&cfg.RecallSessions, "recall-sessions", "", "sessions file the scheduled recall retraining reads")
	fs.BoolVar(&cfg.RecallFromStore, "recall-from-store", false, "the scheduled recall retraining reads the behaviour store's events too")
	fs.BoolVar(&cfg.NoSampleLog, "no-ctr-samples", false, "do not log served slots and their clicks for the CTR model")
}
