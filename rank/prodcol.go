package rank

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"unsafe"

	"shopsearch/models"
)

// A million products held as models.Product values cost about 1.2 GB of
// heap: a 320-byte struct each, a dozen strings and two maps, tens of
// millions of pointers for the garbage collector to trace on every cycle.
// Only a page of them is ever read per search (phase 2 works on the feature
// columns), so the store keeps each product encoded in one byte slice
// instead — about a fifth of the memory, and a single pointer per product.
// A product is decoded when it is read; its strings point into the slice,
// which is never written again once encoded (a change encodes a new one).

// prodCol is the products by ordinal, encoded; their ids are kept apart,
// as strings of their own, so that holding an id (a map key, a cached
// candidate) never holds an old encoding alive.
type prodCol struct {
	ids   []string
	blobs [][]byte
}

func (c *prodCol) len() int { return len(c.blobs) }

// add appends a product with id and nothing else yet, and returns its
// ordinal; an ordinal's id never changes.
func (c *prodCol) add(id string) Ord {
	c.ids = append(c.ids, strings.Clone(id))
	c.blobs = append(c.blobs, nil)
	return Ord(len(c.blobs) - 1)
}

// set encodes p (of the ordinal's id) at o.
func (c *prodCol) set(o Ord, p *models.Product) { c.blobs[o] = encodeProduct(p) }

// get decodes the product at o.
func (c *prodCol) get(o Ord) models.Product {
	var p models.Product
	decodeProduct(c.blobs[o], &p)
	p.ID = c.ids[o]
	return p
}

// id returns the id of the product at o.
func (c *prodCol) id(o Ord) string { return c.ids[o] }

// prodFormat is the first byte of an encoded product.
const prodFormat = 1

// Flags of an encoded product.
const (
	flagHasStock = 1 << iota
	flagAttrs    // Attrs is non-nil
	flagRegionStock
	flagRegions
	flagListed
)

// encodeProduct encodes every field of p but its id.
func encodeProduct(p *models.Product) []byte {
	n := 64 + len(p.Title) + len(p.Subtitle) + len(p.Brand) + len(p.Category) + len(p.PromoTag) +
		len(p.Platform) + len(p.ShopID) + len(p.Image) + len(p.ProductWord)
	for k, v := range p.Attrs {
		n += len(k) + len(v) + 4
	}
	for r := range p.RegionStock {
		n += len(r) + 6
	}
	for _, r := range p.Regions {
		n += len(r) + 2
	}
	b := make([]byte, 0, n)
	b = append(b, prodFormat)
	for _, s := range [...]string{p.Title, p.Subtitle, p.Brand, p.Category, p.PromoTag,
		string(p.Platform), p.ShopID, p.Image, p.ProductWord} {
		b = appendStr(b, s)
	}
	var flags byte
	if p.HasStock {
		flags |= flagHasStock
	}
	if p.Attrs != nil {
		flags |= flagAttrs
	}
	if p.RegionStock != nil {
		flags |= flagRegionStock
	}
	if p.Regions != nil {
		flags |= flagRegions
	}
	if !p.ListedAt.IsZero() {
		flags |= flagListed
	}
	b = append(b, flags)
	for _, f := range [...]float64{p.Price, p.PromoPrice, p.SalesAmount30d} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	for _, v := range [...]int64{p.Stock, p.Sales30d, p.Impressions, p.Clicks} {
		b = binary.AppendVarint(b, v)
	}
	if flags&flagListed != 0 {
		t, err := p.ListedAt.MarshalBinary()
		if err != nil { // an offset that is not a whole minute: keep the instant
			t, _ = p.ListedAt.UTC().MarshalBinary()
		}
		b = appendStr(b, unsafe.String(unsafe.SliceData(t), len(t)))
	}
	if flags&flagAttrs != 0 {
		keys := make([]string, 0, len(p.Attrs))
		for k := range p.Attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = binary.AppendUvarint(b, uint64(len(keys)))
		for _, k := range keys {
			b = appendStr(appendStr(b, k), p.Attrs[k])
		}
	}
	if flags&flagRegionStock != 0 {
		codes := make([]string, 0, len(p.RegionStock))
		for r := range p.RegionStock {
			codes = append(codes, r)
		}
		slices.Sort(codes)
		b = binary.AppendUvarint(b, uint64(len(codes)))
		for _, r := range codes {
			b = binary.AppendVarint(appendStr(b, r), p.RegionStock[r])
		}
	}
	if flags&flagRegions != 0 {
		b = binary.AppendUvarint(b, uint64(len(p.Regions)))
		for _, r := range p.Regions {
			b = appendStr(b, r)
		}
	}
	return b
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeProduct decodes what encodeProduct wrote into p (all but the id);
// its strings share
// b's memory, so b must never be written again.
func decodeProduct(b []byte, p *models.Product) {
	if len(b) == 0 || b[0] != prodFormat {
		return
	}
	d := decoder{b: b[1:]}
	p.Title, p.Subtitle, p.Brand, p.Category, p.PromoTag = d.str(), d.str(), d.str(), d.str(), d.str()
	p.Platform, p.ShopID, p.Image, p.ProductWord = models.Platform(d.str()), d.str(), d.str(), d.str()
	flags := d.byte()
	p.HasStock = flags&flagHasStock != 0
	p.Price, p.PromoPrice, p.SalesAmount30d = d.float(), d.float(), d.float()
	p.Stock, p.Sales30d, p.Impressions, p.Clicks = d.varint(), d.varint(), d.varint(), d.varint()
	if flags&flagListed != 0 {
		s := d.str()
		_ = p.ListedAt.UnmarshalBinary(unsafe.Slice(unsafe.StringData(s), len(s)))
	}
	if flags&flagAttrs != 0 {
		n := d.uvarint()
		p.Attrs = make(map[string]string, n)
		for range n {
			k := d.str()
			p.Attrs[k] = d.str()
		}
	}
	if flags&flagRegionStock != 0 {
		n := d.uvarint()
		p.RegionStock = make(map[string]int64, n)
		for range n {
			r := d.str()
			p.RegionStock[r] = d.varint()
		}
	}
	if flags&flagRegions != 0 {
		n := d.uvarint()
		p.Regions = make([]string, n)
		for i := range p.Regions {
			p.Regions[i] = d.str()
		}
	}
}

// decodeTexts decodes only the title, subtitle, brand and category of an
// encoded product (the first fields), for the engine's graded text match.
func decodeTexts(b []byte) (title, subtitle, brand, category string) {
	if len(b) == 0 || b[0] != prodFormat {
		return
	}
	d := decoder{b: b[1:]}
	return d.str(), d.str(), d.str(), d.str()
}

// decoder reads what encodeProduct wrote. The input is the store's own
// encoding, never user bytes, so a short read yields zero values rather
// than an error.
type decoder struct{ b []byte }

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n == 0 || n > uint64(len(d.b)) {
		return ""
	}
	s := unsafe.String(&d.b[0], int(n))
	d.b = d.b[n:]
	return s
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) float() float64 {
	if len(d.b) < 8 {
		d.b = nil
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return f
}
