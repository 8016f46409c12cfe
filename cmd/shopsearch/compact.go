package main

import (
	"context"
)

// startCompactor runs the engine's change-log compactor (query.RunCompactor)
// with cfg.Compact until Close, logging to the standard error.
func (m *Main) startCompactor() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	logger := m.stdLog()
	go func() {
		defer close(done)
		m.engine.RunCompactor(ctx, m.cfg.Compact, logger.Printf)
	}()
	m.stopCompactor = func() {
		cancel()
		<-done
	}
}
