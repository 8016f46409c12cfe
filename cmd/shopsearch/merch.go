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
	"shopsearch/server"
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
	server.LexiconStore
	Version(context.Context) (uint64, error) // the change counter, which the pollers read
	io.Closer
}

// merchState is the open store and, with Redis, its poller.
type merchState struct {
	st     stateStore
	shared bool               // st is a Redis, which other replicas write to
	start  *redisStart        // st, when Redis did not answer at start; else nil
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

// openState opens the store of profiles, rules, settings and the lexicon:
// the Redis at cfg.Redis when set — wrapped in a redisStart when it does
// not answer (serve_redis.go) — else DATA/state.db.
func (m *Main) openState(ctx context.Context) (*merchState, error) {
	if m.cfg.Redis == "" {
		em, err := store.OpenEmbedded(filepath.Join(m.cfg.DataDir, stateFile))
		if err != nil {
			return nil, err
		}
		return &merchState{st: em}, nil
	}
	r, up, err := m.dialRedis(ctx, "profiles, rules and the lexicon")
	if err != nil {
		return nil, err
	}
	if up {
		return &merchState{st: r, shared: true}, nil
	}
	rs, err := newRedisStart(r, m.cfg.DataDir)
	if err != nil {
		r.Close()
		return nil, err
	}
	return &merchState{st: rs, shared: true, start: rs}, nil
}

// openMerch attaches the profiles and rules of the open store ms (openState)
// to the engine. With Redis it also polls the store for other replicas'
// changes until closed. Close ms after the engine.
func openMerch(cfg ServeConfig, ms *merchState, e *query.Engine, an *dict.Analyzer) error {
	where := filepath.Join(cfg.DataDir, stateFile)
	if s, ok := ms.st.(fmt.Stringer); ok {
		where = s.String()
	}
	profiles, err := rank.NewProfiles(ms.st)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	rules, err := rank.NewRulebook(ms.st, query.RulebookConfig(an))
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	e.SetMerch(profiles, rules)
	if ms.shared {
		fmt.Fprintf(cfg.Stdout, "profiles and rules: %s, polled every %v for other replicas' changes\n", where, watchInterval)
		logger := slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelInfo)
		reload := []func() error{profiles.Reload, rules.Reload}
		if ms.start != nil {
			reload = []func() error{markLoaded(&ms.start.merch, reload...)}
		}
		wctx, cancel := context.WithCancel(context.Background())
		ms.cancel, ms.done = cancel, make(chan struct{})
		go func() {
			defer close(ms.done)
			rank.Watch(wctx, watchInterval, ms.st.Version, logger.Printf, reload...)
		}()
	}
	return nil
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
