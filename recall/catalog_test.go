package recall

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"shopsearch/models"
	"shopsearch/models/clocktest"
	"shopsearch/rank"
)

// fallbackCatalog: air conditioners at several prices under two paths of
// one leaf, their sibling fans, their complements (remote controls, covers)
// and a best-selling milk powder that is none of these.
func fallbackCatalog() *catalogHot {
	var ps []models.Product
	add := func(id, cat string, price float64, sales int64) {
		ps = append(ps, models.Product{ID: id, Title: id, Category: cat, Price: price, Sales30d: sales})
	}
	add("ac1", "家用电器>空调", 3000, 50)
	add("ac2", "家用电器>空调", 3500, 40)
	add("ac3", "空调", 2800, 30)      // the same leaf under another path
	add("ac4", "家用电器>空调", 9000, 90) // out of the band, the best seller
	add("fan1", "家用电器>电风扇", 200, 80)
	add("fan2", "家用电器>电风扇", 3200, 10)
	add("rc1", "家用电器>遥控器", 30, 20)
	add("cv1", "家用电器>空调罩", 40, 15)
	for i := range 10 {
		add(fmt.Sprintf("milk%d", i), "母婴>孕妈奶粉", 300, int64(1000+i))
	}
	return newCatalogHot(rank.NewStore(ps, nil), clocktest.Fixed(clocktest.Date(2026, 1, 1, 12, 0)))
}

func candIDs(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Item)
	}
	return out
}

func TestCatalogFallbacks(t *testing.T) {
	h := fallbackCatalog()
	ctx := context.Background()
	// 看了又看 of ac1: its leaf in its price band (best sellers first), the
	// rest of the leaf, then the sibling categories, band first, then the
	// closest in price.
	got := candIDs(h.similar(ctx, Request{Items: []string{"ac1"}, N: 10}))
	if want := []string{"ac2", "ac3", "ac4", "fan2", "fan1", "cv1", "rc1"}; !slices.Equal(got, want) {
		t.Errorf("similar(ac1) = %v, want %v", got, want)
	}
	// 买了还买 for an air conditioner: its complements, never the milk.
	got = candIDs(h.complement(ctx, Request{Cart: []string{"ac1"}, N: 10}))
	if want := []string{"cv1", "rc1"}; !slices.Equal(got, want) { // the table's order: 空调罩, 遥控器
		t.Errorf("complement(ac1) = %v, want %v", got, want)
	}
	got = candIDs(h.complement(ctx, Request{Cart: []string{"milk1"}, N: 10}))
	if slices.ContainsFunc(got, func(id string) bool { return id[:2] == "ac" || id[:2] == "fa" }) {
		t.Errorf("complement(milk) = %v: an air conditioner or fan", got)
	}
	// 猜你喜欢 of a new shopper: one best seller of each top category first.
	got = candIDs(h.spread(ctx, Request{N: 5}))
	leaves := map[string]bool{}
	for _, id := range got {
		p, _ := h.store.Get(id)
		leaves[LeafOf(p.Category)] = true
	}
	if len(got) != 5 || len(leaves) != 5 {
		t.Errorf("spread = %v: %d leaves, want 5 items of 5 leaves", got, len(leaves))
	}
	// A shopper who clicked a fan gets fans first.
	got = candIDs(h.spread(ctx, Request{Items: []string{"fan2"}, N: 4}))
	if len(got) < 2 || got[0] != "fan1" && got[0] != "fan2" {
		t.Errorf("spread for a fan shopper = %v, want a fan first", got)
	}
	// Excluded items never come back.
	got = candIDs(h.similar(ctx, Request{Items: []string{"ac1"}, N: 10, Exclude: func(id string) bool { return id == "ac2" }}))
	if slices.Contains(got, "ac2") {
		t.Errorf("excluded ac2 in %v", got)
	}
}

func TestMinedComplements(t *testing.T) {
	h := fallbackCatalog()
	// Shoppers buy air conditioners with fans, over and over: three
	// distinct pairs of items support the pair of leaves.
	var sessions []Session
	for range 5 {
		for _, pair := range [][]string{{"ac1", "fan1"}, {"ac2", "fan2"}, {"ac3", "fan1"}, {"ac4", "fan2"}} {
			sessions = append(sessions, Session{Items: pair, Types: []EventType{Buy, Buy}})
		}
	}
	mod, err := Build(sessions, nil, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	comp := minedComplements(mod, h.store)
	if comp == nil || !comp.Is("家用电器>空调", "家用电器>电风扇") {
		t.Fatalf("mined: %v; want 电风扇 to complement 空调", comp)
	}
	h.comp.Store(comp)
	got := candIDs(h.complement(context.Background(), Request{Cart: []string{"ac1"}, N: 10}))
	if len(got) == 0 || got[0] != "fan1" { // the mined leaf first, then the table's
		t.Errorf("complement(ac1) with mined pairs = %v, want fan1 first", got)
	}
	if minedComplements(mod, rank.NewStore(nil, nil)) != nil {
		t.Error("a model sharing no item with the catalog mined pairs")
	}
}

func TestCatalogHot(t *testing.T) {
	var ps []models.Product
	for i := range 500 {
		cat := "数码>手机"
		if i%2 == 1 {
			cat = "数码>耳机"
		}
		ps = append(ps, models.Product{ID: fmt.Sprintf("p%03d", i), Title: "t", Category: cat, Sales30d: int64(i), Stock: int64(i % 7), HasStock: true})
	}
	h := newCatalogHot(rank.NewStore(ps, nil), clocktest.Fixed(clocktest.Date(2026, 1, 1, 12, 0)))
	for _, tc := range []struct {
		cat   string
		first string
		n     int
	}{{"", "p499", hotListSize}, {"数码", "p499", hotListSize}, {"数码>手机", "p498", hotListSize}, {"数码>耳机", "p499", hotListSize}, {"服饰", "", 0}} {
		got := h.list(tc.cat)
		if len(got) != tc.n || tc.n > 0 && got[0] != tc.first {
			t.Errorf("%q: %d items, first %v; want %d, %s", tc.cat, len(got), got[:min(1, len(got))], tc.n, tc.first)
		}
		for i := 1; i < len(got); i++ {
			var a, b int
			fmt.Sscanf(got[i-1], "p%d", &a)
			fmt.Sscanf(got[i], "p%d", &b)
			if a < b {
				t.Fatalf("%q: not by sales: %s before %s", tc.cat, got[i-1], got[i])
			}
			if b%7 == 0 {
				t.Fatalf("%q: %s is out of stock", tc.cat, got[i])
			}
		}
	}
}
