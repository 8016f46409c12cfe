package rank

import (
	"slices"
	"testing"

	"shopsearch/models"
)

func TestBrowse(t *testing.T) {
	s := shop()
	sales := models.WeightProfile{Name: "t", Weights: map[string]float64{"text": 5, "category": 5, "sales": 1}, OutOfStock: "last"}
	tests := []struct {
		name string
		req  Request
		want []string
	}{
		// By sales, out of stock (a4) last; text and query–category weigh nothing.
		{"category by commercial factors", Request{Filter: Filter{CategoryPrefix: "家用电器>空调"}, Profile: &sales},
			[]string{"a2", "a1", "a3", "a6", "a4"}},
		{"filters apply", Request{Filter: Filter{CategoryPrefix: "家用电器>空调", Brands: []string{"格力"}}, Profile: &sales},
			[]string{"a1", "a6"}},
		// Out of stock last in every order; unpriced last by price.
		{"business sort", Request{Filter: Filter{CategoryPrefix: "家用电器>空调"}, Sort: SortPriceAsc},
			[]string{"a2", "a1", "a3", "a6", "a4"}},
		{"pin from a category rule", Request{Filter: Filter{CategoryPrefix: "家用电器"}, Profile: &sales,
			Rules: []models.Rule{{ID: "r", Category: "家用电器", Action: models.RulePin, ItemID: "a4", Position: 1}}},
			[]string{"a4", "a2", "a5", "a1", "a3", "a6"}}, // a2 and a5 both saturate sales
		{"a pin outside the category is not shown", Request{Filter: Filter{CategoryPrefix: "家用电器>空调"}, Profile: &sales,
			Rules: []models.Rule{{ID: "r", Category: "家用电器>空调", Action: models.RulePin, ItemID: "a7", Position: 1}}},
			[]string{"a2", "a1", "a3", "a6", "a4"}},
	}
	for _, tt := range tests {
		tt.req.Limit = 100
		res := s.Browse(tt.req)
		if got := hitIDs(res, false); !slices.Equal(got, tt.want) || res.Total != len(tt.want) {
			t.Errorf("%s: %v (total %d), want %v", tt.name, got, res.Total, tt.want)
		}
	}
	// The caller's profile is not changed.
	if sales.Weights["text"] != 5 {
		t.Error("Browse changed the request's profile")
	}
}
