package main

import (
	"fmt"
	"io"
	"path/filepath"

	"shopsearch/dict"
	"shopsearch/query"
	"shopsearch/rank"
	"shopsearch/store"
)

// stateFile is the embedded store of profiles and rules, in the data directory.
const stateFile = "state.db"

// openMerch opens the state store of dataDir and attaches its weight
// profiles and rules to the engine. Close the store after the engine.
func openMerch(dataDir string, e *query.Engine, an *dict.Analyzer) (io.Closer, error) {
	st, err := store.OpenEmbedded(filepath.Join(dataDir, stateFile))
	if err != nil {
		return nil, err
	}
	profiles, err := rank.NewProfiles(st)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("%s: %w", stateFile, err)
	}
	rules, err := rank.NewRulebook(st, query.RulebookConfig(an))
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("%s: %w", stateFile, err)
	}
	e.SetMerch(profiles, rules)
	return st, nil
}
