package models

import (
	"maps"
	"time"
)

// ProductPatch is a partial update of a product's commercial fields — the
// ones that change every second (stock, price) or every day (sales,
// impressions) — that leaves the text, and so the full-text index, alone.
// A nil field is not changed. The JSON names are those of Product.
//
// RegionStock replaces the given regions' values and keeps the others.
// When Stock is not given and the patched product has per-region stock, its
// total is recomputed as the sum of the regions. Giving either marks the
// stock as known. indexer.DecodePatch parses and validates a patch.
type ProductPatch struct {
	Stock          *int64           `json:"stock,omitempty"`
	RegionStock    map[string]int64 `json:"region_stock,omitempty"`
	Price          *float64         `json:"price,omitempty"`
	PromoPrice     *float64         `json:"promo_price,omitempty"` // 0 clears the promotion price
	PromoTag       *string          `json:"promo_tag,omitempty"`   // "" clears the tag
	Sales30d       *int64           `json:"sales_30d,omitempty"`
	SalesAmount30d *float64         `json:"sales_amount_30d,omitempty"`
	Impressions    *int64           `json:"impressions,omitempty"`
	Clicks         *int64           `json:"clicks,omitempty"`
	ListedAt       *time.Time       `json:"listed_at,omitempty"`
	Platform       *Platform        `json:"platform,omitempty"`
}

// Apply writes the patch's fields into p, as described at ProductPatch. It
// never writes into p's RegionStock map, which p may share with other copies
// of the product: a patch of region stock gives p a new map. It does not
// validate.
func (pt *ProductPatch) Apply(p *Product) {
	set(&p.Price, pt.Price)
	set(&p.PromoPrice, pt.PromoPrice)
	set(&p.PromoTag, pt.PromoTag)
	set(&p.Sales30d, pt.Sales30d)
	set(&p.SalesAmount30d, pt.SalesAmount30d)
	set(&p.Impressions, pt.Impressions)
	set(&p.Clicks, pt.Clicks)
	set(&p.ListedAt, pt.ListedAt)
	set(&p.Platform, pt.Platform)
	if pt.RegionStock != nil {
		rs := make(map[string]int64, len(p.RegionStock)+len(pt.RegionStock))
		maps.Copy(rs, p.RegionStock)
		maps.Copy(rs, pt.RegionStock)
		p.RegionStock = rs
		p.HasStock = true
	}
	if pt.Stock != nil {
		p.Stock = *pt.Stock
		p.HasStock = true
	} else if pt.RegionStock != nil {
		var total int64
		for _, n := range p.RegionStock {
			total += n
		}
		p.Stock = total
	}
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
