// Package models holds the domain types shared across the pipeline stages:
// catalog products, their patches and category paths, behaviour events,
// weight profiles and rules, the lexicon document, and errors with their
// codes. It carries no logic beyond small accessors: parsing, validation
// and scoring live in the stages that own them.
package models

import "time"

// Platform says who sells an item: the storefront itself or a marketplace shop.
type Platform string

// Known platforms. The empty value means "unknown" and is treated as PlatformPOP
// by ranking (the neutral default).
const (
	PlatformSelf Platform = "self" // self-run (自营)
	PlatformPOP  Platform = "pop"  // marketplace seller (POP)
)

// Product is one catalog item as imported from JSONL or CSV. Every field but
// ID and Title is optional; the zero value of each is its neutral default.
type Product struct {
	ID       string            `json:"id"`
	Title    string            `json:"title"`
	Subtitle string            `json:"subtitle,omitempty"`
	Brand    string            `json:"brand,omitempty"`
	Category string            `json:"category,omitempty"` // path such as 数码>手机>智能手机
	Attrs    map[string]string `json:"attributes,omitempty"`

	Price      float64 `json:"price,omitempty"`       // list price in yuan
	PromoPrice float64 `json:"promo_price,omitempty"` // 0 = no promotion price
	PromoTag   string  `json:"promo_tag,omitempty"`

	Stock       int64            `json:"stock,omitempty"`        // total units in stock
	RegionStock map[string]int64 `json:"region_stock,omitempty"` // units per region code
	HasStock    bool             `json:"stock_known,omitempty"`  // the source said anything about stock; else it counts as in stock

	Sales30d       int64   `json:"sales_30d,omitempty"`
	SalesAmount30d float64 `json:"sales_amount_30d,omitempty"`
	Impressions    int64   `json:"impressions,omitempty"`
	Clicks         int64   `json:"clicks,omitempty"`

	Platform Platform  `json:"platform,omitempty"`
	ShopID   string    `json:"shop_id,omitempty"`
	Regions  []string  `json:"regions,omitempty"` // where it can be delivered; empty = everywhere
	ListedAt time.Time `json:"listed_at,omitzero"`
	Image    string    `json:"image,omitempty"`

	// ProductWord is the product noun of the title when the source annotated
	// one (the shared catalog does; real catalogs do not, and Product1M's
	// are relevance-set labels). Only demo data and tools read it: the
	// synthesised demo prices (indexer.Synthesize) and the generator's
	// vocabulary (indexer.LearnVocabulary); dict/mklexicon reads it from the
	// catalog file (skipping Product1M rows). The engine never does: not the
	// searchable text, not ranking, not suggest, whose product nouns come
	// from the titles by the lexicon (suggest.Deps.Words,
	// dict.Lexicon.Products). The catalog reader keeps it and the product
	// store carries it, so that a product reads back as it was loaded.
	ProductWord string `json:"product_word,omitempty"`
}

// EffectivePrice is what the shopper pays: the promotion price when one is set
// and lower than the list price, otherwise the list price.
func (p *Product) EffectivePrice() float64 {
	if p.PromoPrice > 0 && (p.Price == 0 || p.PromoPrice < p.Price) {
		return p.PromoPrice
	}
	return p.Price
}
