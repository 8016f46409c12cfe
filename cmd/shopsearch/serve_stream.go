package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"shopsearch/models"
	"shopsearch/server"
	"shopsearch/store"
)

// serve --redis replicates the catalog's writes and the suggest
// configuration through a Redis Stream (store.Replica; server/replicate.go;
// doc/operations.md "Replicas on one Redis"):
//
//   - a write taken here is appended to the stream, applied by this
//     replica's consumer like any other entry, and answered once applied;
//     every other replica's consumer applies it within milliseconds;
//   - the consumer's position is saved in the generation directory
//     (store.PositionFile), so that a replica restarted catches up from
//     the stream before it answers (catchUpTimeout);
//   - a replica whose position the stream was trimmed past (--stream-maxlen
//     entries are kept) says so in its log and /healthz and goes on from
//     the first entry kept; reload it from a fresh generation;
//   - while Redis is down catalog writes answer 503 unavailable and change
//     nothing anywhere: one replica alone must not take a write the others
//     never see. Nothing is spooled; the client retries.

// catchUpTimeout bounds the catch-up at start: a replica far behind starts
// serving after it and catches up while serving (/healthz says so).
const catchUpTimeout = 2 * time.Minute

// replState is the replication stream's consumer and its client.
type replState struct {
	rep    *store.Replica
	r      *store.Redis
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Close stops the consumer (which saves its position) and closes its client.
func (s *replState) Close() error {
	s.cancel()
	s.wg.Wait()
	return s.r.Close()
}

// startReplication sends api's catalog and suggest writes through the
// stream of the Redis at cfg.Redis, catches up with it (unless Redis did
// not answer at start) and starts the consumer.
func (m *Main) startReplication(ctx context.Context, api *server.Server, sg server.Suggester, up bool) (*replState, error) {
	r, err := store.NewRedis(m.cfg.Redis, store.WithClock(m.cfg.Now)) // a client of its own: the blocking reads hold a connection
	if err != nil {
		return nil, fmt.Errorf("--redis: %w", err)
	}
	logf := m.stdLog().Printf
	rep, err := store.NewReplica(r.Stream(m.cfg.StreamMaxLen), store.ReplicaConfig{
		PositionFile: filepath.Join(m.engine.GenerationDir(), store.PositionFile),
		Logf:         logf,
	})
	if err != nil {
		r.Close()
		return nil, err
	}
	st := server.ReplicatedState{Suggester: sg, Ship: m.shipping(rep)} // serve_ship.go
	if m.rec != nil {
		st.Pins, st.Sensitive = m.pins, m.sensitive
	}
	for kind, fn := range api.WithReplication(rep, st) {
		rep.Handle(kind, fn)
	}
	if up {
		cctx, cancel := context.WithTimeout(ctx, catchUpTimeout)
		before := rep.Position()
		err := rep.CatchUp(cctx)
		cancel()
		switch {
		case err == nil:
			fmt.Fprintf(m.cfg.Stdout, "replication: %s from %s to %s (%d writes caught up)\n", r.Stream(m.cfg.StreamMaxLen), before, rep.Position(), rep.Applied())
		case errors.Is(err, context.DeadlineExceeded) || models.ErrorCode(err) == models.EUNAVAILABLE:
			m.cfg.Logger.Warn("replication: serving before catching up; the consumer goes on", "err", err)
		default:
			r.Close()
			return nil, fmt.Errorf("replication: catch up: %w", err)
		}
	}
	rctx, cancel := context.WithCancel(context.Background())
	s := &replState{rep: rep, r: r, cancel: cancel}
	s.wg.Go(func() { rep.Run(rctx) })
	api.WithHealthCheck("replication", rep.Health)
	return s, nil
}
