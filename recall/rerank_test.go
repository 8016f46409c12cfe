package recall

import (
	"slices"
	"testing"

	"shopsearch/models"
	"shopsearch/rank"
)

// TestRerank picks, scatters, cuts and pins slots from what the store
// ranked.
func TestRerank(t *testing.T) {
	var ps []models.Product
	for _, p := range [][3]string{
		{"phone1", "数码>手机", "华为"}, {"phone2", "数码>手机", "小米"}, {"phone3", "数码>手机", "华为"},
		{"case1", "数码>手机配件>手机壳", "倍思"}, {"case2", "数码>手机配件>手机壳", "华为"}, {"seller", "数码>手机配件>充电器", "绿联"},
	} {
		ps = append(ps, models.Product{ID: p[0], Title: p[0], Category: p[1], Brand: p[2], Stock: 10, HasStock: true, Sales30d: 100, Price: 10})
	}
	ps = append(ps, models.Product{ID: "gone", Title: "gone", Category: "数码>手机", Brand: "小米", HasStock: true, Price: 10})
	st := rank.NewStore(ps, nil)
	c := func(ids ...string) []rank.RecCandidate {
		var out []rank.RecCandidate
		for i, id := range ids {
			out = append(out, rank.RecCandidate{ID: id, Score: float64(len(ids) - i), Source: "i2i"})
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		cands []rank.RecCandidate
		req   rerankRequest
		want  []string
	}{
		{"category scatter", c("phone1", "phone2", "phone3", "case1"), rerankRequest{N: 4, CategoryWindow: 2},
			[]string{"phone1", "case1", "phone2", "phone3"}},
		{"brand scatter", c("phone1", "phone3", "case2", "phone2"), rerankRequest{N: 3, BrandWindow: 2},
			[]string{"phone1", "phone2", "phone3"}},
		{"N cuts", c("phone1", "case1", "phone2"), rerankRequest{N: 2}, []string{"phone1", "case1"}},
		{"pin moves one in and adds one", c("phone1", "case1", "phone2"),
			rerankRequest{N: 3, Pins: map[int]string{1: "phone2", 2: "seller"}}, []string{"phone2", "seller", "phone1"}},
		{"pin of an item that cannot be bought is dropped", c("phone1", "case1"),
			rerankRequest{N: 3, Pins: map[int]string{1: "gone"}}, []string{"phone1", "case1"}},
		{"nothing asked", c("phone1"), rerankRequest{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rreq := rank.RankSlotRequest{}
			tc.req.pin = func(id string) (rank.RecItem, bool) { return st.PinItem(id, rreq) }
			var got []string
			for _, it := range rerank(st.RankSlot(tc.cands, rreq), tc.req) {
				got = append(got, it.Product.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
