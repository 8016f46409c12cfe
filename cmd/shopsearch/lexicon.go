package main

import (
	"context"
	"fmt"
	"path/filepath"

	"shopsearch/models"
	"shopsearch/rank"
	"shopsearch/server"
)

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
// rules (m.state), over the engine, whose analyzer (of queries and of the
// index) it swaps. loaded is what server.PreloadLexicon loaded
// (Main.Run). With Redis, it polls the store for other replicas' versions.
func (m *Main) startLexicon(loaded *models.Lexicon) (*lexiconState, error) {
	ms, ok := m.state.(*merchState)
	if !ok {
		return nil, fmt.Errorf("lexicon: no state store")
	}
	st := ms.st
	logger := m.stdLog()
	l, err := server.NewLexicons(st, server.LexiconConfig{
		Engine: m.engine, Loaded: loaded,
		Marker: filepath.Join(m.engine.GenerationDir(), server.LexiconMarkerFile), Logf: logger.Printf,
	})
	if err != nil {
		return nil, err
	}
	s := &lexiconState{l: l}
	if ms.shared {
		reload := l.Reload
		if ms.start != nil {
			reload = markLoaded(&ms.start.lx, reload)
		}
		wctx, cancel := context.WithCancel(context.Background())
		s.cancel, s.done = cancel, make(chan struct{})
		go func() {
			defer close(s.done)
			// Silent: the profiles' poller on the same Redis reports when it
			// is unreachable and when it is back.
			rank.Watch(wctx, watchInterval, st.Version, nil, reload)
		}()
	}
	return s, nil
}
