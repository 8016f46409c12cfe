package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"shopsearch/models"
	"shopsearch/server"
	"shopsearch/store"
)

// serve --redis starts whether or not its Redis answers. When it does not
// (refused, or no answer within 5 seconds) serve starts degraded instead of
// refusing to start:
//
//   - search answers from the embedded index, as always;
//   - events are accepted into the buffer file DATA/events-buffer.log and
//     replayed once Redis is back (events.Ingester: it finds the store
//     unreachable at the first batch and buffers from then on);
//   - profiles, rules, the selection, slot pins and sensitive categories
//     start at their defaults (there is no local copy of them: Redis is
//     where they live), and the lexicon at the one the index reflects (the
//     marker DATA/gen-*/lexicon.json, the last known local copy), so that
//     the change log is replayed into the index with the words it was
//     segmented with;
//   - the pollers that follow other replicas' changes (rank.Watch, every
//     watchInterval) load everything from Redis at their first successful
//     poll; slot pins and sensitive categories follow at the next model
//     poll (--model-poll, 10 s);
//   - admin writes that need Redis answer 503 unavailable, as they do when
//     Redis goes away later, and change nothing;
//   - /healthz answers "degraded", with degraded.redis saying what waits
//     for Redis, until the pollers have loaded from it (and the events'
//     own "degraded" until the buffer is replayed).
//
// A Redis that answers but refuses serve (a wrong password) or a malformed
// URL still stops the start: that is a mistake to fix, not an outage.

// dialRedis returns a store on the Redis at rawURL (store.NewRedis) and
// whether it answered at start; only a malformed URL or a Redis that
// refuses the client is an error. what names the store in the log line
// said when it did not answer.
func (m *Main) dialRedis(ctx context.Context, what string, opts ...store.Option) (*store.Redis, bool, error) {
	r, err := store.NewRedis(m.cfg.Redis, opts...)
	if err != nil {
		return nil, false, fmt.Errorf("--redis: %w", err)
	}
	if err := r.Ping(ctx); err != nil {
		if models.ErrorCode(err) != models.EUNAVAILABLE {
			r.Close()
			return nil, false, fmt.Errorf("--redis: %w", err)
		}
		m.cfg.Logger.Warn("starting degraded: "+what+" wait for Redis", "redis", r.String(), "err", err)
		return r, false, nil
	}
	return r, true, nil
}

// redisStart is the store of profiles, rules, settings and the lexicon on
// a Redis that did not answer when serve started: until Open is called
// (at the end of Main.Run, before serving) its reads answer from the local
// copy — nothing but the lexicon the index reflects — without asking
// Redis, and Version fails, so that the pollers wait; from then on every
// call goes to Redis. It records when the pollers have loaded from Redis,
// for /healthz.
type redisStart struct {
	*store.Redis
	lex        *models.Lexicon // the local copy of the lexicon; nil: none
	local      atomic.Bool     // reads answer from the local copy
	lexPartial atomic.Bool     // the lexicon's versions were read from the local copy: one version, not all
	merch, lx  atomic.Bool     // profiles and rules, the lexicon: loaded from Redis since
}

// newRedisStart wraps r, unreachable at start, with the marker of the
// generation in dataDir as the lexicon's local copy.
func newRedisStart(r *store.Redis, dataDir string) (*redisStart, error) {
	s := &redisStart{Redis: r}
	s.local.Store(true)
	gen, err := currentGeneration(dataDir)
	if err != nil {
		return nil, fmt.Errorf("the lexicon's local copy: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(dataDir, gen, server.LexiconMarkerFile))
	if errors.Is(err, os.ErrNotExist) {
		return s, nil // an index of the built-in lexicon
	}
	if err != nil {
		return nil, fmt.Errorf("the lexicon's local copy: %w", err)
	}
	var doc models.Lexicon
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("the lexicon's local copy %s: %w", gen, err)
	}
	if doc.Version > 0 {
		s.lex = &doc
	}
	return s, nil
}

// errStarting is Version's answer until Open.
var errStarting = models.Errorf(models.EUNAVAILABLE, "Redis was unreachable when serve started; serving the defaults until it is loaded")

// Open ends the start: from now on every call goes to Redis.
func (s *redisStart) Open() { s.local.Store(false) }

// Version fails until Open, so that the pollers do not load from Redis
// while serve is still being put together from the local copy.
func (s *redisStart) Version(ctx context.Context) (uint64, error) {
	if s.local.Load() {
		return 0, errStarting
	}
	return s.Redis.Version(ctx)
}

// ProfileVersions, Rules and Setting answer nothing before Open: the
// defaults.
func (s *redisStart) ProfileVersions(fn func(name string, version int, data []byte) error) error {
	if s.local.Load() {
		return nil
	}
	return s.Redis.ProfileVersions(fn)
}

func (s *redisStart) Rules(fn func(id string, data []byte) error) error {
	if s.local.Load() {
		return nil
	}
	return s.Redis.Rules(fn)
}

func (s *redisStart) Setting(key string) ([]byte, error) {
	if s.local.Load() {
		return nil, nil
	}
	return s.Redis.Setting(key)
}

// LexiconVersions answers the local copy alone before Open.
func (s *redisStart) LexiconVersions(fn func(version int, data []byte) error) error {
	if s.local.Load() {
		if s.lex == nil {
			return nil
		}
		data, err := json.Marshal(s.lex)
		if err != nil {
			return err
		}
		s.lexPartial.Store(true)
		return fn(s.lex.Version, data)
	}
	if err := s.Redis.LexiconVersions(fn); err != nil {
		return err
	}
	s.lexPartial.Store(false)
	return nil
}

// LatestLexicon answers -1, a version no history ends with, while the
// versions loaded are the local copy alone, so that the lexicon manager's
// next reload (server.Lexicons.Reload) reads all of them from Redis.
func (s *redisStart) LatestLexicon() (int, error) {
	if s.local.Load() {
		return 0, errStarting
	}
	v, err := s.Redis.LatestLexicon()
	if err == nil && s.lexPartial.Load() {
		return -1, nil
	}
	return v, err
}

// markLoaded wraps the reloads of a poller: once they all succeed, it
// records it in flag.
func markLoaded(flag *atomic.Bool, reloads ...func() error) func() error {
	return func() error {
		var errs []error
		for _, r := range reloads {
			errs = append(errs, r())
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		flag.Store(true)
		return nil
	}
}

// health is /healthz's check "redis": what still waits for Redis, "" once
// everything was loaded from it.
func (s *redisStart) health() string {
	var waiting []string
	if !s.merch.Load() {
		waiting = append(waiting, "profiles and rules (defaults in use)")
	}
	if !s.lx.Load() {
		waiting = append(waiting, "the lexicon (the index's own in use)")
	}
	if len(waiting) == 0 {
		return ""
	}
	return s.String() + " was unreachable at start; waiting to load " + strings.Join(waiting, " and ")
}
