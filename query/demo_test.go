package query

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"shopsearch/indexer"
	"shopsearch/models"
)

// demoEngine is an engine over the embedded demo catalog, what a newcomer
// searches first.
func demoEngine(t *testing.T) *Engine {
	t.Helper()
	var products []models.Product
	if _, err := indexer.ReadCatalog(indexer.DemoCatalog(), indexer.FormatJSONL, func(p models.Product) error {
		products = append(products, p)
		return nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	e, _ := openCatalog(t, products)
	return e
}

// TestDemoShopperQueries: what a new user typed on the demo (issue 15)
// shows the product asked for first, not its accessories, and the queries
// that were right stay right. Set SHOPSEARCH_DEMO_TRACE=1 to see the top
// five of each.
func TestDemoShopperQueries(t *testing.T) {
	t.Parallel()
	e := demoEngine(t)
	tests := []struct {
		q    string
		top  int
		want func(it Item) bool
	}{
		{"手机", 4, phone}, // the 5th is a phone screen magnifier, in 手机支架/手机座

		{"苹果手机 256g", 2, phone}, // then Apple phone cases, above other brands' phones
		{"空调 1.5匹", 5, has("空调", "1.5匹")},
		{"面膜 补水", 5, has("面膜")},
		{"藍牙耳機", 5, has("蓝牙耳机")},
		{"儿童 保温杯", 2, has("保温杯")}, // the demo's only two with 保温杯
	}
	for _, tt := range tests {
		resp := search(t, e, Request{Text: tt.q, Size: 10})
		if os.Getenv("SHOPSEARCH_DEMO_TRACE") != "" {
			for _, it := range resp.Items[:min(5, len(resp.Items))] {
				fmt.Printf("%s\t%s\t%s\n", tt.q, it.Title, it.Category)
			}
		}
		if len(resp.Items) < tt.top {
			t.Errorf("%q: %d results, want at least %d", tt.q, len(resp.Items), tt.top)
			continue
		}
		for i, it := range resp.Items[:tt.top] {
			if !tt.want(it) {
				t.Errorf("%q: result %d is %s (%s)", tt.q, i+1, it.Title, it.Category)
			}
		}
	}
}

// phone reports whether an item is a phone, not a case or a film for one.
func phone(it Item) bool {
	leaf := it.Category[strings.LastIndex(it.Category, ">")+1:]
	return strings.HasSuffix(leaf, "手机") && !strings.ContainsAny(it.Title, "壳膜")
}

func has(words ...string) func(Item) bool {
	return func(it Item) bool {
		for _, w := range words {
			if !strings.Contains(strings.ToLower(it.Title), w) {
				return false
			}
		}
		return true
	}
}
