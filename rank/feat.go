package rank

// feat is one product's ranking features. They sit in one row rather than
// in a column each so that phase 2, which reads a dozen of them for each of
// up to 10,000 candidates scattered over a million ordinals, touches one
// or two cache lines a candidate instead of one a feature (measured on the
// 1M-product bench: scoring was the largest part of phase 2 with columns).
type feat struct {
	price    float64 // effective price
	amount   float64 // sales amount, 30 days
	discount float64 // promotion depth: 1 - promo/list price

	stock       int64 // -1 when unknown (counts as in stock)
	sales       int64
	listed      int64 // unix seconds, 0 when unknown
	impressions int64
	clicks      int64

	regions uint64 // bit set of deliverable regions; 0 = everywhere
	// regionStock is the bit set of regions with stock (per-region stock
	// when the product has it, else its delivery regions when in stock).
	regionStock uint64

	brandID uint32 // interned normalised brand, 0 = none
	catPath uint32 // interned category path, 0 = none

	selfRun  bool
	promoTag bool
}
