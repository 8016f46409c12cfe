package indexer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// One process owns a data directory at a time: serve for as long as it
// runs, index for the length of a build. The owner holds an exclusive
// advisory lock (flock) on DATA/LOCK, which the kernel releases when the
// process exits however it exits, so a crash leaves no stale lock. The
// file's text names the holder (its command and pid) for the message of
// the one refused.
const lockFile = "LOCK"

// ErrLocked is returned (wrapped, with the holder named) by LockDir when
// another process owns the data directory.
var ErrLocked = errors.New("the data directory is in use by another process")

// LockedError says who holds a data directory's lock; it matches
// ErrLocked with errors.Is.
type LockedError struct {
	Dir    string
	Holder string // "serve (pid 123)", as the holder wrote it; "another process" when unknown
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s: %v (held by %s)", e.Dir, ErrLocked, e.Holder)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// DirLock is a held lock on a data directory.
type DirLock struct {
	f *os.File
}

// LockDir takes the lock on dataDir (creating the directory), naming the
// holder as owner ("serve", "index") in the lock file, or fails at once
// with a *LockedError naming the process holding it.
// Once it holds the lock it removes what crashed builds and compactions
// left behind (RemoveLeftovers): nobody else can be writing them.
func LockDir(dataDir, owner string) (*DirLock, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dataDir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dataDir, err)
	}
	if err := flock(f); err != nil {
		holder := "another process"
		if b, rerr := os.ReadFile(path); rerr == nil && len(strings.TrimSpace(string(b))) > 0 {
			holder = strings.TrimSpace(string(b))
		}
		f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, &LockedError{Dir: dataDir, Holder: holder}
		}
		return nil, fmt.Errorf("lock %s: %w", dataDir, err)
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "%s (pid %d)\n", owner, os.Getpid())
	}
	RemoveLeftovers(dataDir)
	return &DirLock{f: f}, nil
}

// Unlock releases the lock. The lock file stays (removing it would race
// with a process that has it open and is about to lock it).
func (l *DirLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.f.Truncate(0)
	err := l.f.Close() // closing the last descriptor releases the flock
	l.f = nil
	return err
}

// RemoveLeftovers removes what a build or a compaction that died left in
// dataDir: gen-*.tmp folders (a build that never published) and the
// temporary snapshot and log files of a compaction in the published
// generation (products.jsonl.gz.*.tmp, changes.jsonl.*.tmp), and a
// CURRENT being replaced (.CURRENT.tmp-*), and the change log of a hand-off
// build that never published (changes-*.jsonl.tmp). Call it only
// as the data directory's owner (LockDir does). It returns what it
// removed, best effort: an entry it cannot remove is left for next time.
func RemoveLeftovers(dataDir string) []string {
	var removed []string
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		crashedBuild := e.IsDir() && strings.HasPrefix(name, genPrefix) && strings.HasSuffix(name, tmpSuffix)
		crashedPublish := !e.IsDir() && strings.HasPrefix(name, "."+currentFile+".tmp-") // publish.File's temp
		crashedHandoff := !e.IsDir() && tapLeftover(name)                                // handoff.go
		if (crashedBuild || crashedPublish || crashedHandoff) && os.RemoveAll(filepath.Join(dataDir, name)) == nil {
			removed = append(removed, name)
		}
	}
	dir, err := current(dataDir)
	if err != nil {
		return removed
	}
	entries, err = os.ReadDir(dir)
	if err != nil {
		return removed
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, tmpSuffix) {
			continue
		}
		if strings.HasPrefix(name, snapshotFile+".") || strings.HasPrefix(name, changesFile+".") {
			if os.Remove(filepath.Join(dir, name)) == nil {
				removed = append(removed, filepath.Join(filepath.Base(dir), name))
			}
		}
	}
	return removed
}
