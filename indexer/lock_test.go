package indexer

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestLockDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("flock(2) only")
	}
	dir := t.TempDir()
	l, err := LockDir(dir, "serve")
	if err != nil {
		t.Fatal(err)
	}
	// A second owner is refused, with the holder named; a new descriptor
	// conflicts even in the same process (flock locks open files).
	_, err = LockDir(dir, "index")
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || !strings.HasPrefix(le.Holder, "serve (pid ") {
		t.Fatalf("second lock: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := LockDir(dir, "index")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	l2.Unlock()
}

func TestRemoveLeftovers(t *testing.T) {
	dir := t.TempDir()
	if _, err := Build(dir, sampleProducts(), BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	gen, err := current(dir)
	if err != nil {
		t.Fatal(err)
	}
	junk := []string{
		filepath.Join(dir, "gen-20250101T000000.000000000.tmp", "index", "x"),
		filepath.Join(dir, ".CURRENT.tmp-123"),
		filepath.Join(gen, snapshotFile+".4567"+tmpSuffix),
		filepath.Join(gen, changesFile+".89"+tmpSuffix),
	}
	for _, p := range junk {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := LockDir(dir, "serve") // removes them
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	for _, p := range junk {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind", p)
		}
	}
	entries, _ := os.ReadDir(gen)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Contains(names, snapshotFile) || !slices.Contains(names, indexDir) {
		t.Errorf("generation damaged: %v", names)
	}
	cat, _, err := Open(dir, nil)
	if err != nil {
		t.Fatalf("open after cleanup: %v", err)
	}
	cat.Close()
}
