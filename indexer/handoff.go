package indexer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"shopsearch/models"
)

// A build handed to the running server (BuildNext) loses no write: from
// the moment it begins, every write the serving generation acknowledges
// is also appended, fsynced, to a tap — DATA/changes-<time>.jsonl.tmp —
// which the build moves into the new generation as its change log before
// publishing it. Opening the new generation replays that log over the
// uploaded catalog, as it does any log. The serving process keeps
// searching the generation it opened, and keeps writing to the new
// generation's log too, until it is restarted on the new one; a later
// hand-off build detaches the taps of the generations it supersedes.
// A crash before publishing leaves the previous generation whole (its
// own log has every write) and a tap or a gen-*.tmp that the next owner
// removes (RemoveLeftovers).

const tapPrefix = "changes-"

// BuildNext builds and publishes a new generation of dataDir, which this
// catalog serves, from the products read returns (called once the tap is
// in place: the catalog is the state of things when read begins), while
// writes go on. One hand-off build runs at a time: another gets ECONFLICT.
// The generation this catalog serves is kept, whatever publish would
// otherwise remove. The documents are analysed with the catalog's
// analyzer unless opts names another.
func (c *Catalog) BuildNext(dataDir string, read func() ([]models.Product, error), opts BuildOptions) (BuildStats, error) {
	if opts.Analyzer == nil {
		opts.Analyzer = c.lex
	}
	opts.defaults()
	c.mu.Lock()
	if c.building {
		c.mu.Unlock()
		return BuildStats{}, models.Errorf(models.ECONFLICT, "a catalog build is already running on this server; try again when it has finished")
	}
	path := filepath.Join(dataDir, tapPrefix+opts.Now().UTC().Format("20060102T150405.000000000")+".jsonl"+tmpSuffix)
	tap, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		c.mu.Unlock()
		return BuildStats{}, fmt.Errorf("start the build's change log: %w", err)
	}
	c.building = true
	c.taps = append(c.taps, tap)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.building = false
		c.mu.Unlock()
	}()
	drop := func(err error) (BuildStats, error) {
		c.detach(func(f *os.File) bool { return f == tap })
		os.Remove(path) // when the build has not moved it into a generation it removed
		return BuildStats{}, err
	}
	products, err := read()
	if err != nil {
		return drop(err)
	}
	opts.changes, opts.keep = path, filepath.Base(c.dir)
	st, err := Build(dataDir, products, opts)
	if err != nil {
		return drop(err)
	}
	// The generations built before this one are superseded: stop
	// writing to their logs.
	c.detach(func(f *os.File) bool { return f != tap })
	return st, nil
}

// detach closes and forgets the taps for which which is true.
func (c *Catalog) detach(which func(*os.File) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.taps[:0]
	for _, f := range c.taps {
		if which(f) {
			f.Close()
		} else {
			kept = append(kept, f)
		}
	}
	c.taps = kept
}

// closeTaps closes every tap (Close).
func (c *Catalog) closeTaps() error {
	var errs []error
	for _, f := range c.taps {
		errs = append(errs, f.Close())
	}
	c.taps = nil
	return errors.Join(errs...)
}

// tapLeftover reports whether name (in a data directory) is the tap of a
// hand-off build that never published.
func tapLeftover(name string) bool {
	return len(name) > len(tapPrefix) && name[:len(tapPrefix)] == tapPrefix && filepath.Ext(name) == tmpSuffix
}
