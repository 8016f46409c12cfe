package store

import (
	"fmt"
	"path/filepath"
	"testing"

	"shopsearch/store/redistest"
	"shopsearch/store/storetest"
)

func TestEmbeddedLexiconConformance(t *testing.T) {
	storetest.RunLexicon(t, func(t *testing.T) storetest.LexiconStore {
		e, err := OpenEmbedded(filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	})
}

func TestRedisLexiconConformance(t *testing.T) {
	url := redistest.Start(t)
	n := 0
	storetest.RunLexicon(t, func(t *testing.T) storetest.LexiconStore {
		n++
		return openRedis(t, fmt.Sprintf("%s?prefix=lexicon-%d:", url, n))
	})
}

// TestEmbeddedLexiconSurvivesReopen: versions are on disk, and a store
// file from before the lexicon existed (no bucket) reads as empty.
func TestEmbeddedLexiconSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	e, err := OpenEmbedded(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := e.LexiconVersions(func(int, []byte) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("no bucket yet: %d versions, %v", n, err)
	}
	if err := e.AppendLexicon(1, []byte(`{"x":1}`)); err != nil {
		t.Fatal(err)
	}
	e.Close()
	if e, err = OpenEmbedded(path); err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var got string
	if err := e.LexiconVersions(func(v int, d []byte) error { got = fmt.Sprint(v, string(d)); return nil }); err != nil {
		t.Fatal(err)
	}
	if got != `1{"x":1}` {
		t.Errorf("after reopen: %q", got)
	}
}
