package query

import (
	"fmt"
	"slices"
	"testing"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
)

func TestRelaxStepsWithCommonTerms(t *testing.T) {
	t.Parallel()
	e := &Engine{cfg: DefaultConfig()}
	tests := []struct {
		name     string
		required []string
		brands   []string
		common   []string
		want     []int
	}{
		{"a common term and a rare one: the rare one alone", []string{"套装", "插头线"}, nil, []string{"套装"}, []int{1}},
		{"two common of three: the rare one", []string{"新款", "黑色", "插头线"}, nil, []string{"新款", "黑色"}, []int{1}},
		{"one common of three: both rare ones, then either", []string{"新款", "a", "b"}, nil, []string{"新款"}, []int{1}},
		{"a common brand: no step of the brand alone", []string{"华为", "隔断"}, []string{"华为"}, []string{"华为"}, nil},
		{"a common brand and two terms: one of them only", []string{"华为", "a", "b"}, []string{"华为"}, []string{"华为"}, []int{1}},
		{"brand and a common term: the brand alone", []string{"格力", "新款", "冰箱"}, []string{"格力"}, []string{"新款"}, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			for _, s := range e.relaxSteps(Plan{Required: tt.required, Brands: tt.brands}, tt.common) {
				got = append(got, s.min)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("relaxSteps = %v, want %v", got, tt.want)
			}
		})
	}
}

// commonCatalog has 30 sets (套装) of assorted goods, one power lead that
// is not a set and one that is.
func commonCatalog() []models.Product {
	var ps []models.Product
	goods := []string{"茶具", "餐具", "文具", "工具", "刀具"}
	for i := range 30 {
		ps = append(ps, models.Product{ID: fmt.Sprintf("s%02d", i), Title: "家用 " + goods[i%len(goods)] + " 套装"})
	}
	return append(ps,
		models.Product{ID: "c1", Title: "三插 插头线 1.5米"},
		models.Product{ID: "c2", Title: "插头线 套装 两根"})
}

func TestCommonTermsDoNotMakePartialMatches(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := indexer.Build(dir, commonCatalog(), indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	// One engine at a time: an index is opened by one process, once.
	with := func(cfg Config, fn func(e *Engine)) {
		t.Helper()
		e, err := Open(dir, dict.Default(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		fn(e)
	}
	cfg := DefaultConfig()
	cfg.RelaxCommonMin = 1 // the catalog is small: the share alone decides
	with(cfg, func(e *Engine) {
		// 套装 is in 31 of 32 items: "套装 插头线" relaxes to 插头线 alone.
		resp := search(t, e, Request{Text: "套装 插头线"})
		if got := ids(resp.Items); !slices.Equal(got, []string{"c2", "c1"}) {
			t.Errorf("got %v, want the exact c2, then c1 (a partial match on 插头线), and no set for being a set", got)
		}
		if resp.Relaxed == nil || !slices.Equal(resp.Relaxed.Dropped, []string{"套装"}) {
			t.Errorf("relaxed %+v, want 套装 dropped", resp.Relaxed)
		}
	})
	// With the rule off, any set is a partial match.
	cfg.RelaxCommon = 0
	with(cfg, func(e *Engine) {
		if n := search(t, e, Request{Text: "套装 插头线"}).Total; n != 32 {
			t.Errorf("RelaxCommon 0: %d items, want all 32", n)
		}
	})
	// The default floor (RelaxCommonMin) keeps every term countable in a
	// catalog this small.
	with(DefaultConfig(), func(e *Engine) {
		if n := search(t, e, Request{Text: "套装 插头线"}).Total; n != 32 {
			t.Errorf("default config on 32 items: %d items, want all 32", n)
		}
	})
}
