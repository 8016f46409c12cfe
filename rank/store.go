// Package rank is phase 2 of search: it keeps every product's ranking
// features in dense in-memory columns indexed by ordinal, and filters, facets,
// scores and orders the candidates that phase 1 (Bleve) retrieved — never by
// reading values back out of the index. Over the same columns it ranks a
// recommendation slot's recalled candidates (Store.RankSlot: the blend and
// the filters) for the recommendation service that owns the slot and
// reranks it (package recall).
package rank

import (
	"slices"
	"strings"
	"sync"

	"shopsearch/models"
)

// Ord is a product's ordinal: its row in every column.
type Ord = uint32

// Store holds the products and their feature columns. Reads take a read
// lock for the duration of one search's phase 2; writes are per product.
type Store struct {
	mu   sync.RWMutex
	ords map[string]Ord

	products prodCol // by ordinal, encoded (prodcol.go); the source of response fields
	live     []bool  // false once deleted

	// feat holds the ranking features by ordinal, derived from products on
	// every write (feat.go).
	feat []feat
	keys keyCols // a copy of what filters, facets and orders read (feat.go)
	// moreRegions are the delivery regions of an item that have no bit
	// (the store has seen more than 64 codes), by name.
	moreRegions map[Ord][]string
	pop         population
	interner    interner
	display     map[uint32]string // brand id → the brand as first written
	// brandTerms are the analysed forms of the catalog's brands (兰蔻,
	// lancome for "Lancome/兰蔻"), for recognising brands in queries.
	brandTerms map[string]bool
	// brandIDs are the brands each brand term names, and brandItems how
	// many live items each brand has: how much of the catalog uses a term
	// as a brand (BrandItems).
	brandIDs     map[string][]uint32
	brandItems   map[uint32]int
	brandTermsOf map[uint32][]string // the terms that name each brand
	brandKey     func(brand string) []string
	regionID     map[string]uint
}

// NewStore returns a store over products, in order. brandKey turns a
// brand name into the query terms that name it (nil: none are recognised).
func NewStore(products []models.Product, brandKey func(string) []string) *Store {
	s := &Store{ords: make(map[string]Ord, len(products)), regionID: map[string]uint{},
		display: map[uint32]string{}, brandTerms: map[string]bool{}, brandKey: brandKey,
		brandIDs: map[string][]uint32{}, brandItems: map[uint32]int{}, brandTermsOf: map[uint32][]string{},
		moreRegions: map[Ord][]string{}}
	s.interner.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range products {
		s.put(products[i])
	}
	s.refreshPopulation()
	return s
}

// RefreshStats recomputes the catalog-wide statistics that normalise the
// ranking factors (sales saturation, the CTR prior). Cheap enough to run
// every few seconds; writes do not trigger it.
func (s *Store) RefreshStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshPopulation()
}

// Len is the number of ordinals, live or deleted.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.products.len()
}

// Live is the number of live products.
func (s *Store) Live() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.ords)
}

// Put adds or replaces products.
func (s *Store) Put(products ...models.Product) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range products {
		s.put(products[i])
	}
}

// Delete removes products by id; their ordinals are not reused.
func (s *Store) Delete(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if o, ok := s.ords[id]; ok {
			if s.live[o] {
				s.brandItems[s.feat[o].brandID]--
			}
			s.live[o] = false
			delete(s.ords, id)
		}
	}
}

// Get returns a copy of the product with id.
func (s *Store) Get(id string) (models.Product, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.ords[id]
	if !ok {
		return models.Product{}, false
	}
	return s.products.get(o), true
}

// regionBit returns the region's bit, registering new codes (up to 64);
// 0 when the code has none.
func (s *Store) regionBit(code string) uint64 {
	id, ok := s.regionID[code]
	if !ok {
		if len(s.regionID) >= 64 {
			return 0
		}
		id = uint(len(s.regionID))
		s.regionID[code] = id
	}
	return 1 << id
}

func (s *Store) put(p models.Product) {
	o, ok := s.ords[p.ID]
	if !ok {
		o = s.products.add(p.ID)
		s.ords[s.products.id(o)] = o
		s.live = append(s.live, false)
		s.feat = append(s.feat, feat{})
		s.keys.grow()
	}
	s.products.set(o, &p)
	if s.live[o] {
		s.brandItems[s.feat[o].brandID]--
	}
	s.live[o] = true
	s.feat[o].price = p.EffectivePrice()
	s.feat[o].stock = -1
	if p.HasStock {
		s.feat[o].stock = p.Stock
	}
	s.feat[o].sales = p.Sales30d
	s.feat[o].listed = 0
	if !p.ListedAt.IsZero() {
		s.feat[o].listed = p.ListedAt.Unix()
	}
	s.feat[o].selfRun = p.Platform == models.PlatformSelf
	var bits uint64
	var more []string
	for _, r := range p.Regions {
		if b := s.regionBit(r); b != 0 {
			bits |= b
		} else {
			more = append(more, strings.Clone(r))
		}
	}
	s.feat[o].regions = bits
	delete(s.moreRegions, o)
	if len(more) > 0 {
		s.moreRegions[o] = more
	}
	var inStock uint64
	if len(p.RegionStock) > 0 {
		for r, n := range p.RegionStock {
			if n > 0 {
				inStock |= s.regionBit(r)
			}
		}
	} else if s.feat[o].stock != 0 {
		inStock = bits
	}
	s.feat[o].regionStock = inStock
	s.feat[o].amount = p.SalesAmount30d
	s.feat[o].discount = 0
	if ep := p.EffectivePrice(); p.Price > 0 && ep < p.Price {
		s.feat[o].discount = 1 - ep/p.Price
	}
	s.feat[o].promoTag = p.PromoTag != ""
	s.feat[o].impressions = p.Impressions
	s.feat[o].clicks = p.Clicks
	brand := strings.TrimSpace(p.Brand)
	s.feat[o].brandID = s.interner.id(strings.ToLower(brand))
	s.brandItems[s.feat[o].brandID]++
	if _, ok := s.display[s.feat[o].brandID]; !ok && brand != "" {
		s.display[s.feat[o].brandID] = strings.Clone(brand)
		if s.brandKey != nil {
			for _, k := range s.brandKey(brand) {
				s.brandTerms[k] = true
				s.brandIDs[k] = append(s.brandIDs[k], s.feat[o].brandID)
				s.brandTermsOf[s.feat[o].brandID] = append(s.brandTermsOf[s.feat[o].brandID], k)
			}
		}
	}
	s.feat[o].catPath = s.interner.id(normCategory(p.Category))
	s.keys.set(o, &s.feat[o])
}

// interner maps strings to small ids and back; id 0 is the empty string.
type interner struct {
	ids  map[string]uint32
	strs []string
}

func (in *interner) init() {
	in.ids = map[string]uint32{"": 0}
	in.strs = []string{""}
}

func (in *interner) id(s string) uint32 {
	if id, ok := in.ids[s]; ok {
		return id
	}
	id := uint32(len(in.strs))
	s = strings.Clone(s)
	in.ids[s] = id
	in.strs = append(in.strs, s)
	return id
}

// IsBrand reports whether term (normalised, as the analyzer emits it) is
// the whole name of a brand in the catalog.
func (s *Store) IsBrand(term string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.brandTerms[term]
}

// BrandAliases returns the other terms that name a brand term names, in
// another script or language: apple and 苹果 of "Apple/苹果", huawei and
// 华为 of "Huawei/华为" — learnt from the catalog's brand names.
func (s *Store) BrandAliases(term string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, id := range s.brandIDs[term] {
		for _, k := range s.brandTermsOf[id] {
			if k != term && !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// BrandItems is how many live items have a brand that term names.
func (s *Store) BrandItems(term string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, id := range s.brandIDs[term] {
		n += s.brandItems[id]
	}
	return n
}
