package rank

import (
	"errors"
	"fmt"
	"testing"

	"shopsearch/models"
)

func TestStoreScan(t *testing.T) {
	var ps []models.Product
	for i := range 2*scanChunk + 7 {
		ps = append(ps, models.Product{ID: fmt.Sprintf("p%05d", i), Title: "t"})
	}
	s := NewStore(ps, nil)
	s.Delete("p00003", ps[scanChunk].ID)
	s.Put(models.Product{ID: "new", Title: "n"})

	var got []string
	if err := s.Scan(func(p *models.Product) error {
		got = append(got, p.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := len(ps) - 2 + 1; len(got) != want {
		t.Fatalf("Scan saw %d products, want %d live ones", len(got), want)
	}
	if got[0] != "p00000" || got[3] != "p00004" || got[len(got)-1] != "new" {
		t.Errorf("Scan order: first %v, last %q; want ordinal order without deleted items", got[:4], got[len(got)-1])
	}

	stop := errors.New("stop")
	n := 0
	err := s.Scan(func(*models.Product) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Errorf("Scan after fn's error: err %v after %d calls, want stop after 10", err, n)
	}

	empty := NewStore(nil, nil)
	if err := empty.Scan(func(*models.Product) error { t.Fatal("fn called on an empty store"); return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestRankByRefAndReusedSeenSet(t *testing.T) {
	var ps []models.Product
	for i := range 300 {
		ps = append(ps, models.Product{ID: fmt.Sprintf("p%03d", i), Title: "t", Price: float64(i + 1)})
	}
	s := NewStore(ps, nil)
	cands := []Candidate{{ID: "p010", Score: 1}, {ID: "p200", Score: 3}, {ID: "p010", Score: 2, Tier: 1}, {ID: "nope", Score: 9}}
	resolve(s, cands)
	if cands[0].Ref != 11 || cands[1].Ref != 201 || cands[3].Ref != 0 {
		t.Fatalf("resolve: refs %d %d %d", cands[0].Ref, cands[1].Ref, cands[3].Ref)
	}
	for round := range 3 { // the pooled seen set must come back cleared
		res := s.Rank(cands, Request{Limit: 10})
		if res.Total != 2 || len(res.Hits) != 2 {
			t.Fatalf("round %d: total %d, hits %d; want the two distinct known items", round, res.Total, len(res.Hits))
		}
	}
	// A stale ref (the item deleted, then upserted under a new ordinal) is
	// found by id.
	s.Delete("p200")
	s.Put(models.Product{ID: "p200", Title: "t", Price: 1})
	res := s.Rank(cands, Request{Limit: 10})
	if res.Total != 2 {
		t.Fatalf("after re-upsert: total %d", res.Total)
	}
}

func TestSelectTop(t *testing.T) {
	cmp := func(a, b scored) int { return int(a.ord) - int(b.ord) }
	for _, n := range []int{0, 1, 2, 3, 10, 100, 1000} {
		for _, k := range []int{0, 1, 2, 5, 20, n - 1, n, n + 1} {
			rows := make([]scored, n)
			for i := range rows {
				rows[i].ord = Ord((i*7919 + 13) % max(n, 1)) // a permutation when n is prime to 7919
			}
			SelectTop(rows, k, cmp)
			if k <= 0 || k >= n {
				continue
			}
			for i := range k {
				if int(rows[i].ord) >= k {
					t.Fatalf("n=%d k=%d: row %d is %d, not among the %d smallest", n, k, i, rows[i].ord, k)
				}
			}
		}
	}
}

// TestPartialOrderPagesMatchFullOrder checks that ordering only the top
// rows (order's selection) gives every page exactly as a full sort does,
// in each order, with pins, buried and out-of-stock items.
func TestPartialOrderPagesMatchFullOrder(t *testing.T) {
	var ps []models.Product
	for i := range 3000 {
		ps = append(ps, models.Product{
			ID: fmt.Sprintf("p%04d", i), Title: "t",
			Price: float64((i * 7919) % 997), Sales30d: int64((i * 104729) % 5003),
			Stock: int64(i % 13), HasStock: true,
		})
	}
	s := NewStore(ps, nil)
	cands := make([]Candidate, 0, len(ps))
	for i := range ps {
		cands = append(cands, Candidate{ID: ps[i].ID, Score: float64((i*31)%101) / 10, Tier: uint8(i % 7 / 6)})
	}
	rules := []models.Rule{
		{ID: "pin", Action: models.RulePin, ItemID: "p2999", Position: 3},
		{ID: "pin2", Action: models.RulePin, ItemID: "p0500", Position: 45},
		{ID: "bury", Action: models.RuleBury, ItemID: "p0001"},
	}
	for _, by := range []Sort{SortRelevance, SortSales, SortPriceAsc, SortPriceDesc, SortNewest} {
		all := s.Rank(cands, Request{Sort: by, Limit: len(cands), Rules: rules}).Hits
		if all[2].Product.ID != "p2999" || all[44].Product.ID != "p0500" {
			t.Fatalf("sort %v: pins not applied: %s at 3, %s at 45", by, all[2].Product.ID, all[44].Product.ID)
		}
		for _, page := range []struct{ off, lim int }{{0, 20}, {20, 20}, {40, 20}, {980, 20}, {0, 1}} {
			got := s.Rank(cands, Request{Sort: by, Offset: page.off, Limit: page.lim, Rules: rules}).Hits
			want := all[page.off : page.off+page.lim]
			for i := range want {
				if got[i].Product.ID != want[i].Product.ID || got[i].Rank != want[i].Rank {
					t.Fatalf("sort %v, page %+v, hit %d: %s (rank %v), full order has %s (rank %v)",
						by, page, i, got[i].Product.ID, got[i].Rank, want[i].Product.ID, want[i].Rank)
				}
			}
		}
	}
}

// resolve sets the candidates' Refs from their ids, as phase 1 does.
func resolve(s *Store, cands []Candidate) {
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.ID
	}
	refs := make([]uint32, len(cands))
	s.Refs(ids, refs)
	for i := range cands {
		cands[i].Ref = refs[i]
	}
}

// TestStaleRefWithoutID: a candidate known by its Ref alone follows its
// item to a new ordinal after a delete and an upsert.
func TestStaleRefWithoutID(t *testing.T) {
	s := NewStore([]models.Product{{ID: "a", Title: "t", Price: 1}, {ID: "b", Title: "t", Price: 2}}, nil)
	cands := []Candidate{{Ref: 2, Score: 1}}
	s.Delete("b")
	s.Put(models.Product{ID: "b", Title: "t", Price: 3})
	res := s.Rank(cands, Request{Limit: 10})
	if len(res.Hits) != 1 || res.Hits[0].Product.ID != "b" || res.Hits[0].Product.Price != 3 {
		t.Fatalf("hits %+v", res.Hits)
	}
}
