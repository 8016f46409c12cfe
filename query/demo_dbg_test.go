package query

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"shopsearch/indexer"
	"shopsearch/models"
)

func TestDemoDbg(t *testing.T) {
	if os.Getenv("DEMODBG") == "" {
		t.Skip()
	}
	var products []models.Product
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	indexer.ReadCatalog(indexer.DemoCatalog(), indexer.FormatJSONL, func(p models.Product) error {
		indexer.Synthesize(&p, 1, now)
		products = append(products, p)
		return nil
	}, nil)
	e, _ := openCatalog(t, products)
	for _, q := range []string{"手机", "shouji", "苹果手机 256g", "iphone15pro", "华为 mate60", "苹果", "空调 1.5匹", "面膜 补水", "藍牙耳機", "儿童 保温杯"} {
		r, err := e.Search(context.Background(), Request{Text: q, Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("== %s (total %d)\n", q, r.Total)
		for _, it := range r.Items[:min(6, len(r.Items))] {
			fmt.Printf("   %v %.3f %s | %s\n", it.Partial, it.Score, it.Title, it.Category)
		}
	}
}
