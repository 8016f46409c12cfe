package main

import (
	"fmt"
	"io"
	"log"
	"log/slog"
)

// newLogger returns serve's logger: slog's text handler (key=value lines)
// or, with format "json", its JSON handler, writing to w.
func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("--log-format: want text or json, got %q", format)
}

// stdLog returns a *log.Logger whose lines go to serve's logger at level
// INFO, for the background jobs that report with Printf (the compactor,
// the pollers, the event intake).
func (m *Main) stdLog() *log.Logger { return slog.NewLogLogger(m.cfg.Logger.Handler(), slog.LevelInfo) }
