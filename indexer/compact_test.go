package indexer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"shopsearch/models"
)

// byID renders products as id → JSON, for comparing catalog states.
func jsonByID(t *testing.T, ps []models.Product) map[string]string {
	t.Helper()
	out := map[string]string{}
	for i := range ps {
		b, err := json.Marshal(&ps[i])
		if err != nil {
			t.Fatal(err)
		}
		out[ps[i].ID] = string(b)
	}
	return out
}

func sameState(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d products, want %d", what, len(got), len(want))
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: product %s\n got %s\nwant %s", what, id, got[id], w)
		}
	}
}

func reopen(t *testing.T, dir string) map[string]string {
	t.Helper()
	cat, products, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	return jsonByID(t, products)
}

func TestCompact(t *testing.T) {
	dir := t.TempDir()
	if _, err := Build(dir, sampleProducts(), BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, state, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Changes before the compaction, mirrored into state as the engine's
	// store would have them.
	before := []change{
		{Op: "upsert", Product: &models.Product{ID: "a4", Title: "美的 电饭煲 4L"}},
		{Op: "upsert", Product: &models.Product{ID: "a1", Title: "格力 云佳 1匹 冷暖空调", Stock: 5, HasStock: true}},
		{Op: "patch", ID: "a2", Patch: &models.ProductPatch{Stock: ptr[int64](0), Price: ptr(7999.0)}},
		{Op: "delete", ID: "a3"},
	}
	if err := cat.write(before[:2]); err != nil {
		t.Fatal(err)
	}
	if err := cat.Patch([]string{"a2"}, []models.ProductPatch{*before[2].Patch}); err != nil {
		t.Fatal(err)
	}
	if err := cat.Delete([]string{"a3"}); err != nil {
		t.Fatal(err)
	}
	state = replay(state, before)
	upTo, err := cat.LogSize()
	if err != nil || upTo == 0 {
		t.Fatalf("LogSize = %d, %v; want the four changes' bytes", upTo, err)
	}
	wholeLog := filepath.Join(t.TempDir(), "whole.jsonl")

	// Changes written while the snapshot is written: they must survive in
	// the log's tail. One of them patches an item the snapshot already
	// shows patched (the scan is not a point-in-time view).
	during := []change{
		{Op: "patch", ID: "a1", Patch: &models.ProductPatch{Stock: ptr[int64](2)}},
		{Op: "upsert", Product: &models.Product{ID: "a5", Title: "罗技 键盘"}},
	}
	scan := func(yield func(*models.Product) error) error {
		if err := cat.Patch([]string{"a1"}, []models.ProductPatch{*during[0].Patch}); err != nil {
			return err
		}
		if err := cat.Upsert([]models.Product{*during[1].Product}); err != nil {
			return err
		}
		// The log as it is just before Compact takes it: the whole old log,
		// for the crash case below.
		b, err := os.ReadFile(filepath.Join(cat.Dir(), changesFile))
		if err != nil {
			return err
		}
		if err := os.WriteFile(wholeLog, b, 0o644); err != nil {
			return err
		}
		for i := range state {
			p := state[i]
			if p.ID == "a1" {
				during[0].Patch.Apply(&p)
			}
			if err := yield(&p); err != nil {
				return err
			}
		}
		return nil
	}
	st, err := cat.Compact(upTo, scan)
	if err != nil {
		t.Fatal(err)
	}
	want := jsonByID(t, replay(state, during))
	if st.Products != len(state) || st.LogBefore != upTo || st.LogAfter == 0 {
		t.Errorf("stats %+v: want %d products, %d bytes before and the tail after", st, len(state), upTo)
	}
	// Writes after the compaction go on in the new log.
	if err := cat.Patch([]string{"a4"}, []models.ProductPatch{{Price: ptr(199.0)}}); err != nil {
		t.Fatal(err)
	}
	after := []change{{Op: "patch", ID: "a4", Patch: &models.ProductPatch{Price: ptr(199.0)}}}
	size, _ := cat.LogSize()
	if err := cat.Close(); err != nil {
		t.Fatal(err)
	}
	final := replay(replay(state, during), after)
	sameState(t, "reopened after compaction", reopen(t, dir), jsonByID(t, final))
	if size >= upTo+st.LogAfter+int64(len(`{"op":"patch"}`))*4 {
		t.Errorf("log is %d bytes after compaction; the %d compacted bytes were not cut", size, upTo)
	}
	if got := termCount(t, dir, "键盘"); got != 1 {
		t.Errorf("item upserted during compaction: %d docs, want 1", got)
	}

	// A crash between the snapshot's rename and the log's: the new
	// snapshot with the whole old log must open to the same products.
	logPath := filepath.Join(dir, mustCurrent(t, dir), changesFile)
	b, err := os.ReadFile(wholeLog)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(logPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	sameState(t, "new snapshot with the whole old log", reopen(t, dir), want)
}

func TestCompactRejectsBadOffset(t *testing.T) {
	dir := t.TempDir()
	if _, err := Build(dir, sampleProducts(), BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, products, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	scan := func(yield func(*models.Product) error) error {
		for i := range products {
			if err := yield(&products[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := cat.Compact(1<<20, scan); err == nil {
		t.Fatal("Compact past the log's end: no error")
	}
	// Nothing changed: the generation opens as before.
	cat.Close()
	sameState(t, "after a refused compaction", reopen(t, dir), jsonByID(t, products))
	if entries, _ := os.ReadDir(filepath.Join(dir, mustCurrent(t, dir))); len(entries) != 3 {
		t.Errorf("generation holds %d entries after a refused compaction, want index, snapshot and log (no temp files)", len(entries))
	}
}

func mustCurrent(t *testing.T, dir string) string {
	t.Helper()
	g, err := current(dir)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Base(g)
}

// termCount opens dir's catalog and counts the documents with term.
func termCount(t *testing.T, dir, term string) uint64 {
	t.Helper()
	cat, _, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	return count(t, cat.Index(), term)
}
