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

// keyCols are what filters, facets and the business orders read of the
// products, one column a field, by ordinal: copies of feat's, for phase 2
// over every match of a broad query — a quarter of a million candidates
// in ordinal order, where reading the 100-byte feat rows cost a cache
// miss each (filter and facets took 37 % of the search CPU that way) and a
// filter on price now streams through 8 bytes an item. Phase 2 over a few
// thousand candidates, which scores them from feat anyway, keeps reading
// feat: another row a candidate would cost it another miss (measured:
// -15 % QPS at a million products with facets read from a separate row).
type keyCols struct {
	price   []float64 // effective price
	sales   []int64
	listed  []int64  // unix seconds, 0 when unknown
	regions []uint64 // as feat.regions
	brand   []uint32
	cat     []uint32
	flags   []uint8 // keySelfRun, keyNoStock
}

const (
	keySelfRun uint8 = 1 << iota
	keyNoStock       // stock == 0 (unknown counts as in stock)
)

// grow adds a zero row.
func (c *keyCols) grow() {
	c.price = append(c.price, 0)
	c.sales = append(c.sales, 0)
	c.listed = append(c.listed, 0)
	c.regions = append(c.regions, 0)
	c.brand = append(c.brand, 0)
	c.cat = append(c.cat, 0)
	c.flags = append(c.flags, 0)
}

// set copies row o from f.
func (c *keyCols) set(o Ord, f *feat) {
	c.price[o], c.sales[o], c.listed[o], c.regions[o] = f.price, f.sales, f.listed, f.regions
	c.brand[o], c.cat[o] = f.brandID, f.catPath
	var fl uint8
	if f.selfRun {
		fl |= keySelfRun
	}
	if f.stock == 0 {
		fl |= keyNoStock
	}
	c.flags[o] = fl
}

// keyReader reads the filter keys of ordinals from the feature rows or,
// for phase 2 over many candidates, from the key columns.
type keyReader struct {
	feat []feat
	cols *keyCols // nil: read feat
}

func (r keyReader) price(o Ord) float64 {
	if r.cols != nil {
		return r.cols.price[o]
	}
	return r.feat[o].price
}

func (r keyReader) brand(o Ord) uint32 {
	if r.cols != nil {
		return r.cols.brand[o]
	}
	return r.feat[o].brandID
}

func (r keyReader) cat(o Ord) uint32 {
	if r.cols != nil {
		return r.cols.cat[o]
	}
	return r.feat[o].catPath
}

func (r keyReader) regions(o Ord) uint64 {
	if r.cols != nil {
		return r.cols.regions[o]
	}
	return r.feat[o].regions
}

func (r keyReader) selfRun(o Ord) bool {
	if r.cols != nil {
		return r.cols.flags[o]&keySelfRun != 0
	}
	return r.feat[o].selfRun
}

func (r keyReader) noStock(o Ord) bool {
	if r.cols != nil {
		return r.cols.flags[o]&keyNoStock != 0
	}
	return r.feat[o].stock == 0
}

func (r keyReader) sales(o Ord) int64 {
	if r.cols != nil {
		return r.cols.sales[o]
	}
	return r.feat[o].sales
}

func (r keyReader) listed(o Ord) int64 {
	if r.cols != nil {
		return r.cols.listed[o]
	}
	return r.feat[o].listed
}
