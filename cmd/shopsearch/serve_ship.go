package main

import (
	"context"
	"fmt"
	"path/filepath"

	"shopsearch/indexer"
	"shopsearch/store"
)

// serve --shelf DIR (with --redis): build once, ship the generation
// (indexer.Ship, indexer.Pull; doc/operations.md "Replicas on one Redis"):
//
//   - the replica that takes a catalog upload (POST /api/admin/catalog,
//     `shopsearch index --url`) builds the generation, ships it to the
//     shelf with a checksum manifest and the stream position the upload
//     began at, and announces it on the stream;
//   - every replica, on the announcement, pulls it, verifies every file's
//     SHA-256 and publishes it in its data directory (CURRENT): it serves
//     it from its next start, and replays the stream from its position —
//     the catalog and every write since;
//   - at start, a replica pulls the latest generation shipped when it is
//     newer than its own: one that was down, or whose stream position was
//     trimmed away, comes back on the latest catalog plus the stream.

// writeGeneration is the stream entry announcing a shipped generation: its
// name.
const writeGeneration = "generation.shipped"

// pullAtStart pulls the latest generation shipped, when newer than the
// data directory's, before serve opens it. Without a local catalog a
// failed pull stops the start; with one serve goes on with its own.
func (m *Main) pullAtStart(ctx context.Context) error {
	man, pulled, err := indexer.Pull(ctx, indexer.DirShelf(m.cfg.Shelf), m.cfg.DataDir, "")
	switch {
	case err != nil && !indexer.Exists(m.cfg.DataDir):
		return fmt.Errorf("--shelf %s: %w", m.cfg.Shelf, err)
	case err != nil:
		m.cfg.Logger.Warn("serving the local generation: the latest shipped could not be pulled", "shelf", m.cfg.Shelf, "err", err)
	case pulled:
		fmt.Fprintf(m.cfg.Stdout, "pulled %s from %s (%d files, checksums verified)\n", man.Generation, m.cfg.Shelf, len(man.Files))
	}
	return nil
}

// shipping returns the hook that ships a generation built here
// (server.ReplicatedState.Ship) and registers the announcement's applier
// on rep; nil without a shelf.
func (m *Main) shipping(rep *store.Replica) func(ctx context.Context, genDir, pos string) (string, error) {
	if m.cfg.Shelf == "" {
		return nil
	}
	shelf := indexer.DirShelf(m.cfg.Shelf)
	rep.Handle(writeGeneration, func(ctx context.Context, data []byte) (any, error) {
		// Best effort: a shelf that fails must not stop the stream; the
		// replica pulls again at its next start.
		man, pulled, err := indexer.Pull(ctx, shelf, m.cfg.DataDir, filepath.Base(m.engine.GenerationDir()))
		switch {
		case err != nil:
			m.cfg.Logger.Error("a shipped generation could not be pulled; this replica pulls again at its next start", "generation", string(data), "err", err)
		case pulled:
			m.cfg.Logger.Info("pulled a shipped generation: it is served from the next start", "generation", man.Generation, "files", len(man.Files))
		}
		return nil, nil
	})
	return func(ctx context.Context, genDir, pos string) (string, error) {
		man, err := indexer.Ship(ctx, shelf, genDir, map[string]string{store.PositionFile: pos}, m.cfg.Now())
		if err != nil {
			return "", err
		}
		if _, err := rep.Write(ctx, writeGeneration, []byte(man.Generation)); err != nil {
			return "", fmt.Errorf("shipped %s, but could not announce it (the replicas pull it at their next start): %w", man.Generation, err)
		}
		return fmt.Sprintf("; shipped to %s and announced: every replica pulls it now and searches it from its next start", m.cfg.Shelf), nil
	}
}
