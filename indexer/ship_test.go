package indexer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shopsearch/models"
)

// TestShipAndPull: a generation shipped to a shelf is pulled whole into
// another data directory, with its extra files, verified and published;
// pulled again, nothing happens; a file changed on the shelf fails the
// pull, which leaves the data directory as it was.
func TestShipAndPull(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	src, dst, shelf := t.TempDir(), t.TempDir(), DirShelf(t.TempDir())
	products := []models.Product{{ID: "a", Title: "华为 手机"}, {ID: "b", Title: "小米 手机"}}
	st, err := Build(src, products, BuildOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	genDir := filepath.Join(src, st.Generation)
	man, err := Ship(ctx, shelf, genDir, map[string]string{"stream.position": "5-0 3\n"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if latest, err := LatestShipped(ctx, shelf); err != nil || latest != st.Generation {
		t.Fatalf("latest shipped: %q %v, want %s", latest, err, st.Generation)
	}
	for _, f := range man.Files {
		if f.Path == changesFile || f.Path == "stream.position" {
			t.Errorf("shipped %s", f.Path)
		}
	}
	got, pulled, err := Pull(ctx, shelf, dst, "")
	if err != nil || !pulled || got.Generation != st.Generation {
		t.Fatalf("pull: %+v %v %v", got.Generation, pulled, err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, st.Generation, "stream.position")); err != nil || string(b) != "5-0 3\n" {
		t.Errorf("the pulled position: %q %v", b, err)
	}
	cat, ps, err := Open(dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := cat.Index().DocCount(); len(ps) != 2 || n != 2 {
		t.Errorf("the pulled generation has %d products and %d documents, want 2", len(ps), n)
	}
	cat.Close()
	if _, pulled, err := Pull(ctx, shelf, dst, ""); err != nil || pulled {
		t.Errorf("a second pull: pulled %v, %v; want nothing", pulled, err)
	}

	// A newer generation whose snapshot is damaged on the shelf.
	later := now.Add(time.Hour)
	st2, err := Build(src, products[:1], BuildOptions{Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Ship(ctx, shelf, filepath.Join(src, st2.Generation), nil, later); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(string(shelf), st2.Generation, snapshotFile)
	data, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(bad, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Pull(ctx, shelf, dst, ""); err == nil || !strings.Contains(err.Error(), "fails its check") {
		t.Errorf("pull of a damaged generation: %v, want a failed check", err)
	}
	if cur, _ := current(dst); filepath.Base(cur) != st.Generation {
		t.Errorf("after a failed pull the current generation is %s, want %s", cur, st.Generation)
	}
	if _, err := os.Stat(filepath.Join(dst, st2.Generation+tmpSuffix)); !os.IsNotExist(err) {
		t.Errorf("a failed pull left its download: %v", err)
	}
}
