package main

import (
	"context"
	"fmt"
	"path/filepath"

	"shopsearch/dict"
	"shopsearch/models"
	"shopsearch/rank"
	"shopsearch/server"
	"shopsearch/store"
)

// preloadLexicon loads the published lexicon document (words, stop words,
// synonyms) into an before the catalog is opened, since opening replays the
// change log's upserts into the index with an. It opens the state store
// (DATA/state.db or the Redis) for the read only; nil means the built-in
// lexicon.
func preloadLexicon(ctx context.Context, cfg ServeConfig, an *dict.Analyzer) (*models.Lexicon, error) {
	var st interface {
		server.LexiconStore
		Close() error
	}
	if cfg.Redis != "" {
		r, err := store.OpenRedis(ctx, cfg.Redis)
		if err != nil {
			return nil, fmt.Errorf("--redis: %w", err)
		}
		st = r
	} else {
		e, err := store.OpenEmbedded(filepath.Join(cfg.DataDir, stateFile))
		if err != nil {
			return nil, err
		}
		st = e
	}
	defer st.Close()
	return server.PreloadLexicon(st, an)
}

// lexiconState is the lexicon manager and, with Redis, its poller.
type lexiconState struct {
	l      *server.Lexicons
	cancel context.CancelFunc // stops the poller; nil without one
	done   chan struct{}
}

// Close stops the poller, then the manager's worker.
func (s *lexiconState) Close() error {
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	return s.l.Close()
}

// startLexicon starts the lexicon manager on the store of profiles and
// rules (m.state), over the engine and dict.Default() (the analyzer of
// queries and of the index). loaded is what preloadLexicon loaded. With
// Redis, it polls the store for other replicas' versions.
func (m *Main) startLexicon(loaded *models.Lexicon) (*lexiconState, error) {
	ms, ok := m.state.(*merchState)
	if !ok {
		return nil, fmt.Errorf("lexicon: no state store")
	}
	st, ok := ms.st.(server.LexiconStore)
	if !ok {
		return nil, fmt.Errorf("lexicon: the state store %T keeps no lexicon", ms.st)
	}
	logger := m.stdLog()
	l, err := server.NewLexicons(st, server.LexiconConfig{
		Analyzer: dict.Default(), Engine: m.engine, Loaded: loaded,
		Marker: filepath.Join(m.engine.GenerationDir(), server.LexiconMarkerFile), Logf: logger.Printf,
	})
	if err != nil {
		return nil, err
	}
	s := &lexiconState{l: l}
	if r, ok := ms.st.(*store.Redis); ok {
		wctx, cancel := context.WithCancel(context.Background())
		s.cancel, s.done = cancel, make(chan struct{})
		go func() {
			defer close(s.done)
			// Silent: the profiles' poller on the same Redis reports when it
			// is unreachable and when it is back.
			rank.Watch(wctx, watchInterval, r.Version, nil, l.Reload)
		}()
	}
	return s, nil
}
