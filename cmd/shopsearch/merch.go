package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"shopsearch/dict"
	"shopsearch/query"
	"shopsearch/rank"
	"shopsearch/store"
)

// stateFile is the embedded store of profiles and rules, in the data directory.
const stateFile = "state.db"

// watchInterval is how often a replica on Redis polls it for the changes
// of others (rank.Watch): a change shows everywhere within about a second.
const watchInterval = 500 * time.Millisecond

// stateStore is what the merchandising managers and serve need of a store:
// store.Embedded and store.Redis have it.
type stateStore interface {
	rank.ProfileStore
	rank.RuleStore
	io.Closer
}

// merchState is the open store and, with Redis, its poller.
type merchState struct {
	st     stateStore
	cancel context.CancelFunc // stops the poller; nil without one
	done   chan struct{}      // closed when the poller has returned
}

// Close stops the poller and then closes the store.
func (s *merchState) Close() error {
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	return s.st.Close()
}

// openMerch opens the store of profiles and rules — the Redis at
// cfg.Redis when set, else DATA/state.db — and attaches them to the
// engine. With Redis it also polls the store for other replicas' changes
// until closed. Close it after the engine.
func openMerch(ctx context.Context, cfg ServeConfig, e *query.Engine, an *dict.Analyzer) (io.Closer, error) {
	var st stateStore
	where := filepath.Join(cfg.DataDir, stateFile)
	if cfg.Redis != "" {
		r, err := store.OpenRedis(ctx, cfg.Redis)
		if err != nil {
			return nil, fmt.Errorf("--redis: %w", err)
		}
		st, where = r, r.String()
	} else {
		em, err := store.OpenEmbedded(where)
		if err != nil {
			return nil, err
		}
		st = em
	}
	profiles, err := rank.NewProfiles(st)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	rules, err := rank.NewRulebook(st, query.RulebookConfig(an))
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	e.SetMerch(profiles, rules)
	ms := &merchState{st: st}
	if r, ok := st.(*store.Redis); ok {
		fmt.Fprintf(cfg.Stdout, "profiles and rules: %s, polled every %v for other replicas' changes\n", where, watchInterval)
		logger := slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelInfo)
		wctx, cancel := context.WithCancel(context.Background())
		ms.cancel, ms.done = cancel, make(chan struct{})
		go func() {
			defer close(ms.done)
			rank.Watch(wctx, watchInterval, r.Version, logger.Printf, profiles.Reload, rules.Reload)
		}()
	}
	return ms, nil
}

// quietRedisLog makes go-redis, which logs every failed dial (several per
// request while Redis is down) to the standard error, log at most one line
// a minute, saying how many it dropped. Its logger is global, so serve
// sets it once, before it opens a client.
var quietRedisLog = sync.OnceFunc(func() {
	redis.SetLogger(&limitedLog{out: log.New(os.Stderr, "shopsearch: redis: ", log.LstdFlags), every: time.Minute})
})

// limitedLog prints at most one line per every.
type limitedLog struct {
	mu      sync.Mutex
	out     *log.Logger
	every   time.Duration
	next    time.Time
	dropped int
}

func (l *limitedLog) Printf(_ context.Context, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Before(l.next) {
		l.dropped++
		return
	}
	msg := fmt.Sprintf(format, args...)
	if l.dropped > 0 {
		msg += fmt.Sprintf(" (%d more messages were dropped since the last one)", l.dropped)
	}
	l.out.Print(msg)
	l.next, l.dropped = now.Add(l.every), 0
}
