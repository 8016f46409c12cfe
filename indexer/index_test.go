package indexer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"shopsearch/models"
)

func sampleProducts() []models.Product {
	return []models.Product{
		{ID: "a1", Title: "格力 KFR-35GW 1.5匹 变频空调 挂机", Brand: "格力", Category: "家用电器>空调"},
		{ID: "a2", Title: "Apple iPhone 15 Pro 256GB 黑色钛金属", Brand: "Apple", Category: "手机数码>手机"},
		{ID: "a3", Title: "罗技 无线鼠标 办公静音", Brand: "罗技", Category: "电脑办公>鼠标"},
	}
}

// count returns how many documents match term in the text field.
func count(t *testing.T, idx bleve.Index, term string) uint64 {
	t.Helper()
	q := bleve.NewTermQuery(term)
	q.SetField(FieldText)
	res, err := idx.Search(bleve.NewSearchRequest(q))
	if err != nil {
		t.Fatal(err)
	}
	return res.Total
}

func TestBuildOpenSearch(t *testing.T) {
	dir := t.TempDir()
	st, err := Build(dir, sampleProducts(), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Docs != 3 || !Exists(dir) {
		t.Fatalf("build stats %+v, exists %v", st, Exists(dir))
	}
	cat, products, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if len(products) != 3 {
		t.Fatalf("got %d products", len(products))
	}
	for term, want := range map[string]uint64{"35gw": 1, "kfr35gw": 1, "变频": 1, "空调": 1, "256g": 1, "iphone": 1, "鼠标": 1, "格力": 1} {
		if got := count(t, cat.Index(), term); got != want {
			t.Errorf("term %q: %d docs, want %d", term, got, want)
		}
	}
}

func TestUpsertDeleteSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	if _, err := Build(dir, sampleProducts(), BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, _, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Upsert([]models.Product{{ID: "a4", Title: "美的 电饭煲 4L"}, {ID: "a1", Title: "格力 云佳 1匹 冷暖空调"}}); err != nil {
		t.Fatal(err)
	}
	if err := cat.Delete([]string{"a3", "nope"}); err != nil {
		t.Fatal(err)
	}
	if got := count(t, cat.Index(), "电饭煲"); got != 1 {
		t.Fatalf("upserted item not searchable: %d", got)
	}
	if err := cat.Close(); err != nil {
		t.Fatal(err)
	}

	cat, products, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	ids := map[string]string{}
	for _, p := range products {
		ids[p.ID] = p.Title
	}
	if _, ok := ids["a3"]; ok || len(ids) != 3 || ids["a1"] != "格力 云佳 1匹 冷暖空调" || ids["a4"] == "" {
		t.Fatalf("after reopen: %v", ids)
	}
	for term, want := range map[string]uint64{"电饭煲": 1, "鼠标": 0, "1匹": 1, "变频": 0} {
		if got := count(t, cat.Index(), term); got != want {
			t.Errorf("after reopen, term %q: %d docs, want %d", term, got, want)
		}
	}
}

func TestTornChangeLogLineIsDropped(t *testing.T) {
	dir := t.TempDir()
	if _, err := Build(dir, sampleProducts(), BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, _, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Upsert([]models.Product{{ID: "a4", Title: "美的 电饭煲"}}); err != nil {
		t.Fatal(err)
	}
	gen := cat.Dir()
	cat.Close()
	// A crash in the middle of an append leaves a line without its newline.
	f, err := os.OpenFile(filepath.Join(gen, changesFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"op":"upsert","product":{"id":"a5","ti`)
	f.Close()
	cat, products, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if len(products) != 4 {
		t.Fatalf("got %d products, want 4 (torn line dropped)", len(products))
	}
}

func TestFailedBuildLeavesPreviousGenerationServing(t *testing.T) {
	dir := t.TempDir()
	first, err := Build(dir, sampleProducts(), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A crashed build leaves a .tmp generation behind; it is never served.
	crashed := filepath.Join(dir, newGenerationName(time.Now().Add(time.Hour))+tmpSuffix)
	if err := os.MkdirAll(filepath.Join(crashed, indexDir), 0o755); err != nil {
		t.Fatal(err)
	}
	// A build that fails (a document Bleve rejects: empty id) publishes nothing.
	if _, err := Build(dir, []models.Product{{ID: "", Title: "x"}}, BuildOptions{}); err == nil {
		t.Fatal("build with an empty id succeeded")
	}
	cur, err := current(dir)
	if err != nil || filepath.Base(cur) != first.Generation {
		t.Fatalf("current = %q, %v; want %s", cur, err, first.Generation)
	}
	cat, products, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	cat.Close()
	if len(products) != 3 {
		t.Fatalf("got %d products", len(products))
	}
	// The next successful build publishes and cleans up the leftovers.
	second, err := Build(dir, sampleProducts()[:1], BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	all := strings.Join(names, " ")
	if strings.Contains(all, tmpSuffix) || !strings.Contains(all, first.Generation) || !strings.Contains(all, second.Generation) {
		t.Fatalf("data dir after rebuild: %s", all)
	}
}

func TestOpenWithoutCatalog(t *testing.T) {
	if _, _, err := Open(t.TempDir(), nil); err != ErrNoCatalog {
		t.Fatalf("got %v, want ErrNoCatalog", err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	for _, s := range []string{"one", "two"} {
		if err := WriteFileAtomic(path, []byte(s)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != s {
			t.Fatalf("read %q, want %q", b, s)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("temp files left behind: %v", entries)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v (%v), want 0644 like any file written in place", fi.Mode().Perm(), err)
	}
}
