package indexer

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"shopsearch/models"
)

// TestBuildFromStreams checks a streamed build: every product is indexed
// and in the snapshot in the source's order, across several batches.
func TestBuildFromStreams(t *testing.T) {
	dir := t.TempDir()
	const n = 25
	st, err := BuildFrom(dir, func(yield func(models.Product) error) error {
		for i := range n {
			if err := yield(models.Product{ID: fmt.Sprintf("p%02d", i), Title: fmt.Sprintf("商品 %d 号", i)}); err != nil {
				return err
			}
		}
		return nil
	}, BuildOptions{BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if st.Docs != n {
		t.Fatalf("built %d docs, want %d", st.Docs, n)
	}
	c, products, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(products) != n {
		t.Fatalf("snapshot has %d products, want %d", len(products), n)
	}
	for i, p := range products {
		if want := fmt.Sprintf("p%02d", i); p.ID != want {
			t.Fatalf("snapshot product %d is %s, want %s (the source's order)", i, p.ID, want)
		}
	}
	if count, err := c.Index().DocCount(); err != nil || count != n {
		t.Fatalf("index holds %d docs (%v), want %d", count, err, n)
	}
}

// TestBuildFromFails checks that a source that fails half-way, or yields
// nothing, publishes nothing and leaves no temporary directory behind.
func TestBuildFromFails(t *testing.T) {
	boom := errors.New("line 7: cut short")
	for _, tc := range []struct {
		name string
		src  Source
		want error
	}{
		{"fails", func(yield func(models.Product) error) error {
			for i := range 10 {
				if err := yield(models.Product{ID: fmt.Sprint(i), Title: "杯子"}); err != nil {
					return err
				}
			}
			return boom
		}, boom},
		{"empty", func(func(models.Product) error) error { return nil }, ErrNoProducts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := BuildFrom(dir, tc.src, BuildOptions{BatchSize: 3})
			if !errors.Is(err, tc.want) {
				t.Fatalf("BuildFrom: %v, want %v", err, tc.want)
			}
			if Exists(dir) {
				t.Fatal("a failed build published a generation")
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				t.Errorf("left behind: %s", e.Name())
			}
		})
	}
}
