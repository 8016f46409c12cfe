package models

import "time"

// Factor names: the commercial signals phase 2 blends with text relevance.
// doc/ranking.md gives each one's formula and range.
const (
	FactorText     = "text"      // BM25, normalised by the best candidate's score
	FactorStock    = "stock"     // in stock 1, low stock 0.5, out of stock 0
	FactorNew      = "new"       // new-item boost decaying with listing age
	FactorSales    = "sales"     // 30-day units, log-saturated
	FactorAmount   = "amount"    // 30-day sales amount, log-saturated
	FactorPromo    = "promo"     // promotion flag and discount depth
	FactorCategory = "category"  // how typical the item's category is among the query's top matches
	FactorCTR      = "ctr"       // Bayesian-smoothed click-through rate, relative to the prior
	FactorCVR      = "cvr"       // Bayesian-smoothed conversion (units sold per click), relative to the prior
	FactorSelf     = "self"      // self-run (1) vs marketplace (0)
	FactorRegion   = "region"    // in stock in the shopper's region
	FactorBrand    = "brand"     // the profile's brand boosts
	FactorCatBoost = "cat_boost" // the profile's category boosts
)

// Factors lists every factor, in the order explain shows them.
var Factors = []string{FactorText, FactorStock, FactorNew, FactorSales, FactorAmount, FactorPromo,
	FactorCategory, FactorCTR, FactorCVR, FactorSelf, FactorRegion, FactorBrand, FactorCatBoost}

// WeightProfile is a named, versioned set of ranking weights that
// merchandisers tune. Weights multiply factor values in [0, 1] (boost maps:
// [-1, 1]); the score of an item is their sum.
type WeightProfile struct {
	Name    string             `json:"name"`
	Weights map[string]float64 `json:"weights"`
	// OutOfStock is "last" (after the in-stock items of its match tier),
	// "filter" or "keep" (no special treatment).
	OutOfStock string `json:"out_of_stock"`
	// NewHalfLifeDays is how fast the new-item boost decays.
	NewHalfLifeDays float64 `json:"new_half_life_days"`
	// BrandBoost and CategoryBoost map a brand (case-insensitive) or a
	// category path prefix to a value in [-1, 1], weighted by the brand and
	// cat_boost weights.
	BrandBoost    map[string]float64 `json:"brand_boost,omitempty"`
	CategoryBoost map[string]float64 `json:"category_boost,omitempty"`

	// Set by the store on save.
	Version   int       `json:"version"`
	Author    string    `json:"author"`
	Note      string    `json:"note"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RuleAction is what a merchandiser rule does to an item, a brand or a category.
type RuleAction string

// Rule actions.
const (
	RulePin   RuleAction = "pin"   // item at Position (1-based) of the result list
	RuleBury  RuleAction = "bury"  // item after the items not buried of its match tier
	RuleHide  RuleAction = "hide"  // item not shown
	RuleBoost RuleAction = "boost" // brand or category boosted (or demoted) by Weight
)

// Rule is a manual intervention (人工干预) for a query or a category page.
type Rule struct {
	ID string `json:"id"`
	// Query selects searches: the normalised query equals it (Match
	// "exact") or contains it as a term (Match "contains"). Category selects
	// category pages (a browse with that category prefix and no query).
	// Exactly one of Query and Category is set.
	Query    string `json:"query,omitempty"`
	Match    string `json:"match,omitempty"` // exact (default) or contains
	Category string `json:"category,omitempty"`

	Action   RuleAction `json:"action"`
	ItemID   string     `json:"item_id,omitempty"`  // pin, bury, hide
	Position int        `json:"position,omitempty"` // pin
	Brand    string     `json:"brand,omitempty"`    // boost
	CatPath  string     `json:"cat_path,omitempty"` // boost
	Weight   float64    `json:"weight,omitempty"`   // boost: in [-1, 1], added to the brand or cat_boost factor

	Start time.Time `json:"start,omitzero"` // valid from (zero: always)
	End   time.Time `json:"end,omitzero"`   // valid until (zero: always)

	Author    string    `json:"author,omitempty"`
	Note      string    `json:"note,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Active reports whether the rule's validity window contains t.
func (r *Rule) Active(t time.Time) bool {
	return (r.Start.IsZero() || !t.Before(r.Start)) && (r.End.IsZero() || t.Before(r.End))
}
