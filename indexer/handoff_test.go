package indexer

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"shopsearch/models"
)

// A build handed to the serving catalog keeps every write acknowledged
// from its start on — during the build and after it publishes — and the
// generation being served stays on disk.
func TestBuildNext(t *testing.T) {
	dir := t.TempDir()
	if _, err := Build(dir, sampleProducts(), BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, _, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	serving := cat.Dir()
	stock := func(n int64) models.ProductPatch { return models.ProductPatch{Stock: &n} }
	// Before the build: superseded by the new catalog.
	if err := cat.Upsert([]models.Product{{ID: "old1", Title: "构建前 写入"}}); err != nil {
		t.Fatal(err)
	}
	next := []models.Product{{ID: "a1", Title: "格力 空调"}, {ID: "n1", Title: "新 目录 商品"}, {ID: "n2", Title: "新 目录 商品 二"}}
	st, err := cat.BuildNext(dir, func() ([]models.Product, error) {
		// Writes while the build runs.
		if err := cat.Upsert([]models.Product{{ID: "during1", Title: "构建中 写入"}}); err != nil {
			return nil, err
		}
		if err := cat.Patch([]string{"n1"}, []models.ProductPatch{stock(7)}); err != nil {
			return nil, err
		}
		if err := cat.Delete([]string{"n2"}); err != nil {
			return nil, err
		}
		if _, err := cat.BuildNext(dir, nil, BuildOptions{}); models.ErrorCode(err) != models.ECONFLICT {
			t.Errorf("a second build at once: %v", err)
		}
		return next, nil
	}, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// After it published, before the restart.
	if err := cat.Upsert([]models.Product{{ID: "after1", Title: "发布后 写入"}}); err != nil {
		t.Fatal(err)
	}
	if err := cat.Patch([]string{"a1"}, []models.ProductPatch{stock(3)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(serving); err != nil {
		t.Errorf("the served generation was removed: %v", err)
	}
	if err := cat.Close(); err != nil {
		t.Fatal(err)
	}
	cat2, products, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat2.Close()
	if filepath.Base(cat2.Dir()) != st.Generation {
		t.Errorf("opened %s, built %s", cat2.Dir(), st.Generation)
	}
	got := map[string]models.Product{}
	for _, p := range products {
		got[p.ID] = p
	}
	for _, id := range []string{"a1", "n1", "during1", "after1"} {
		if _, ok := got[id]; !ok {
			t.Errorf("%s missing from the new generation", id)
		}
	}
	for _, id := range []string{"n2", "old1", "a2"} {
		if _, ok := got[id]; ok {
			t.Errorf("%s in the new generation", id)
		}
	}
	if got["n1"].Stock != 7 || got["a1"].Stock != 3 {
		t.Errorf("patches: n1 %d a1 %d", got["n1"].Stock, got["a1"].Stock)
	}
	// The upserts are in the new index too (replayed at open).
	if n, _ := cat2.Index().DocCount(); n != 4 {
		t.Errorf("%d documents in the new index, want 4", n)
	}
}

func TestBuildNextFails(t *testing.T) {
	dir := t.TempDir()
	if _, err := Build(dir, sampleProducts(), BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, _, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	before, _ := os.ReadFile(filepath.Join(dir, currentFile))
	boom := errors.New("upload cut off")
	if _, err := cat.BuildNext(dir, func() ([]models.Product, error) { return nil, boom }, BuildOptions{}); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, currentFile)); string(after) != string(before) {
		t.Error("a failed build published")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "changes-*")); len(m) > 0 {
		t.Errorf("tap left behind: %v", m)
	}
	if err := cat.Upsert([]models.Product{{ID: "x", Title: "之后 写入"}}); err != nil || len(cat.taps) != 0 {
		t.Errorf("write after a failed build: %v, %d taps", err, len(cat.taps))
	}
}
