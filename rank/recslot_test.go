package rank

import (
	"slices"
	"testing"

	"shopsearch/models"
	"shopsearch/recall/ctr"
)

func recStore() *Store {
	in := func(id, cat, brand string, stock int64, sales int64, regions ...string) models.Product {
		return models.Product{ID: id, Title: id, Category: cat, Brand: brand, Stock: stock, HasStock: true,
			Sales30d: sales, Regions: regions, Price: 10}
	}
	return NewStore([]models.Product{
		in("phone1", "数码>手机", "华为", 10, 100),
		in("phone2", "数码>手机", "小米", 10, 100),
		in("phone3", "数码>手机", "华为", 10, 100),
		in("case1", "数码>手机配件>手机壳", "倍思", 10, 100),
		in("case2", "数码>手机配件>手机壳", "华为", 10, 100),
		in("gone", "数码>手机", "小米", 0, 100),
		in("north", "数码>手机配件>充电器", "小米", 10, 100, "bj"),
		in("seller", "数码>手机配件>充电器", "绿联", 10, 9000),
		in("dud", "数码>手机配件>充电器", "绿联", 10, 0),
	}, nil)
}

func recIDs(items []RecItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Product.ID)
	}
	return out
}

func TestRankSlot(t *testing.T) {
	s := recStore()
	c := func(id string, score float64) RecCandidate { return RecCandidate{ID: id, Score: score, Source: "i2i"} }
	for _, tc := range []struct {
		name  string
		cands []RecCandidate
		req   RankSlotRequest
		want  []string
	}{
		{"recall order, unknown ids skipped",
			[]RecCandidate{c("phone1", 3), c("nope", 9), c("case1", 2), c("phone2", 1)},
			RankSlotRequest{}, []string{"phone1", "case1", "phone2"}},
		{"out of stock dropped; kept last when asked",
			[]RecCandidate{c("gone", 9), c("phone1", 1)},
			RankSlotRequest{}, []string{"phone1"}},
		{"out of stock kept last",
			[]RecCandidate{c("gone", 9), c("phone1", 1)},
			RankSlotRequest{KeepOutOfStock: true}, []string{"phone1", "gone"}},
		{"not deliverable to the region dropped",
			[]RecCandidate{c("north", 9), c("phone1", 1)},
			RankSlotRequest{Region: "sh"}, []string{"phone1"}},
		{"deliverable to its region kept",
			[]RecCandidate{c("north", 9), c("phone1", 1)},
			RankSlotRequest{Region: "bj"}, []string{"north", "phone1"}},
		{"excluded dropped",
			[]RecCandidate{c("phone1", 3), c("phone2", 2)},
			RankSlotRequest{Exclude: func(id string) bool { return id == "phone1" }}, []string{"phone2"}},
		{"equal recall: sales decide",
			[]RecCandidate{c("dud", 1), c("seller", 1)},
			RankSlotRequest{}, []string{"seller", "dud"}},
		{"duplicate keeps its best score",
			[]RecCandidate{c("phone1", 1), c("phone2", 2), c("phone1", 3)},
			RankSlotRequest{}, []string{"phone1", "phone2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := recIDs(s.RankSlot(tc.cands, tc.req))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRankSlotExplainAndSource(t *testing.T) {
	s := recStore()
	items := s.RankSlot([]RecCandidate{{ID: "seller", Score: 2, Source: "cobuy"}}, RankSlotRequest{Explain: true})
	if len(items) != 1 || items[0].Source != "cobuy" || items[0].Recall != 2 || items[0].Explain == nil {
		t.Fatalf("got %+v", items)
	}
	if items[0].Explain.Contributions[models.FactorSales] <= 0 {
		t.Errorf("explain has no sales contribution: %+v", items[0].Explain)
	}
}

func TestRankSlotWithCTRModel(t *testing.T) {
	s := recStore()
	// A model that likes popular items from "hot" and dislikes "i2i".
	m := &ctr.Model{Sources: []string{"hot", "i2i"}, Mean: make([]float64, ctr.NNumeric), Std: []float64{1, 1, 1, 1, 1, 1, 1, 1},
		Weights: make([]float64, ctr.NNumeric+2+ctr.NPriceBands), Bias: -3}
	m.Weights[ctr.NNumeric] = 2    // hot
	m.Weights[ctr.NNumeric+1] = -2 // i2i
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	cands := []RecCandidate{{ID: "phone1", Score: 1, Source: "i2i"}, {ID: "case1", Score: 0.2, Source: "hot"}, {ID: "dud", Score: 0.5, Source: "i2i"}}
	base := s.RankSlot(cands, RankSlotRequest{})
	if got := recIDs(base); !slices.Equal(got, []string{"phone1", "dud", "case1"}) {
		t.Fatalf("heuristic order %v", got)
	}
	got := s.RankSlot(cands, RankSlotRequest{CTR: m, Explain: true})
	if ids := recIDs(got); ids[0] != "case1" {
		t.Fatalf("with the model %v, want case1 first", ids)
	}
	top := got[0]
	if top.PCTR <= 0 || top.CTR == nil || top.CTR.Contributions[0].Feature != "source=hot" || top.Recall != 0.2 || top.Features == nil {
		t.Errorf("top item %+v ctr %+v", top, top.CTR)
	}
	// Commercial weights still apply: with the recall/pCTR weight at zero,
	// sales order the slot (every item but dud saturates the factor).
	p := DefaultProfile()
	p.Weights = map[string]float64{models.FactorText: 0, models.FactorSales: 1}
	got = s.RankSlot(append(cands, RecCandidate{ID: "seller", Score: 0.01, Source: "i2i"}), RankSlotRequest{CTR: m, Profile: &p})
	if ids := recIDs(got); len(ids) != 4 || ids[3] != "dud" {
		t.Errorf("sales-only order %v: want dud (no sales) last", ids)
	}
	// Features alone leave the order as it was.
	got = s.RankSlot(cands, RankSlotRequest{Features: true, Shopper: &ctr.ShopperContext{Items: map[string]int{"dud": 1}}})
	if !slices.Equal(recIDs(got), recIDs(base)) || got[1].Features == nil || got[1].Features.Repeat == 0 || got[0].PCTR != 0 {
		t.Errorf("features only: %v %+v", recIDs(got), got[1].Features)
	}
}
