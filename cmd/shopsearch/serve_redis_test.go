package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/server"
	"shopsearch/store"
	"shopsearch/store/redistest"
)

// TestRedisStartLocalCopy: the store of a serve started while Redis was
// down answers the defaults and the index's lexicon (its marker) without
// asking Redis until Open, and fails Version so that the pollers wait;
// after Open it reads Redis, and makes the lexicon manager read every
// version once, not only the local copy's.
func TestRedisStartLocalCopy(t *testing.T) {
	srv := redistest.StartServer(t)
	r, err := store.NewRedis(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	doc := func(v int) []byte {
		b, _ := json.Marshal(models.Lexicon{Version: v, Words: []models.LexiconWord{{Word: fmt.Sprint("词", v)}}})
		return b
	}
	for v := 1; v <= 3; v++ {
		if err := r.AppendLexicon(v, doc(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.PutRule("r1", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := indexer.Build(dir, []models.Product{{ID: "a", Title: "华为 手机"}}, indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	gen, err := currentGeneration(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, gen, server.LexiconMarkerFile), doc(2), 0o644); err != nil {
		t.Fatal(err)
	}
	srv.Stop()

	s, err := newRedisStart(r, dir)
	if err != nil {
		t.Fatal(err)
	}
	versions := func() (out []int, err error) {
		err = s.LexiconVersions(func(v int, _ []byte) error { out = append(out, v); return nil })
		return out, err
	}
	if got, err := versions(); err != nil || fmt.Sprint(got) != "[2]" {
		t.Errorf("lexicon versions before Open: %v %v, want the marker's [2]", got, err)
	}
	var rules []string
	if err := s.Rules(func(id string, _ []byte) error { rules = append(rules, id); return nil }); err != nil || rules != nil {
		t.Errorf("rules before Open: %v %v, want none", rules, err)
	}
	if v, err := s.Setting("selection"); err != nil || v != nil {
		t.Errorf("setting before Open: %q %v, want none", v, err)
	}
	if _, err := s.Version(context.Background()); models.ErrorCode(err) != models.EUNAVAILABLE {
		t.Errorf("Version before Open: %v, want unavailable", err)
	}
	if s.health() == "" {
		t.Error("healthy before anything was loaded from Redis")
	}

	s.Open()
	if _, err := s.Version(context.Background()); models.ErrorCode(err) != models.EUNAVAILABLE {
		t.Errorf("Version after Open with Redis down: %v, want unavailable", err)
	}
	srv.Restart()
	if v, err := s.LatestLexicon(); err != nil || v != -1 {
		t.Errorf("latest lexicon after Open, only the local copy loaded: %d %v, want -1 (read them all)", v, err)
	}
	if got, err := versions(); err != nil || fmt.Sprint(got) != "[1 2 3]" {
		t.Errorf("lexicon versions after Open: %v %v, want Redis's [1 2 3]", got, err)
	}
	if v, err := s.LatestLexicon(); err != nil || v != 3 {
		t.Errorf("latest lexicon once all were read: %d %v, want 3", v, err)
	}
	rules = nil
	if err := s.Rules(func(id string, _ []byte) error { rules = append(rules, id); return nil }); err != nil || fmt.Sprint(rules) != "[r1]" {
		t.Errorf("rules after Open: %v %v, want Redis's [r1]", rules, err)
	}
	markLoaded(&s.merch, func() error { return nil })()
	if err := markLoaded(&s.lx, func() error { return fmt.Errorf("no") })(); err == nil || s.health() == "" {
		t.Errorf("a failed reload counted as loaded: %v %q", err, s.health())
	}
	markLoaded(&s.lx, func() error { return nil })()
	if h := s.health(); h != "" {
		t.Errorf("health once loaded: %q", h)
	}
}
