package indexer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"unicode/utf8"

	"shopsearch/models"
)

// Partial updates (patches) change a product's commercial fields without
// re-indexing its text: they are appended to the change log like upserts
// and deletes, so their order with them is kept, but never reach Bleve.

// patchFields are the JSON names a patch may hold, in the order error
// messages list them.
var patchFields = []string{"stock", "region_stock", "price", "promo_price", "promo_tag",
	"sales_30d", "sales_amount_30d", "impressions", "clicks", "listed_at", "platform"}

// textFields are the product fields that feed the full-text index.
var textFields = map[string]bool{"title": true, "subtitle": true, "brand": true, "category": true,
	"attributes": true, "product_word": true}

// DecodePatch parses and validates one patch given as a JSON object of
// patchable fields (see models.ProductPatch), for PATCH /api/items/:id.
// Values follow the catalog's rules (numeric strings such as "12.5" are
// numbers; stock may be {"total": N, "regions": {...}}; platform self/自营 or
// pop/第三方/marketplace; listed_at as in ReadCatalog) with these differences,
// because a patch says what to change rather than what is known:
//   - any other field is rejected: text fields (title, brand, ...) need an
//     upsert, which re-indexes them; so do id, regions, shop_id and image;
//   - null and blank strings are rejected, except promo_tag "" (which clears
//     the tag); a promotion price is cleared with promo_price 0;
//   - platform must be self or pop (the importer leaves unknown values empty);
//   - an empty patch, an empty region_stock object, numbers below zero,
//     promo_price above price and clicks above impressions (when both are
//     in the patch) are rejected.
//
// Errors are *models.Error with code EINVALID, their message starting with
// the field's name. Checks that need the product (promo_price against its
// current price, say) are PatchProduct's.
func DecodePatch(data []byte) (models.ProductPatch, error) {
	fields, err := decodeObject(data)
	if err != nil {
		return models.ProductPatch{}, err
	}
	if _, ok := fields["id"]; ok {
		return models.ProductPatch{}, models.Errorf(models.EINVALID, "id cannot be patched: the URL names the item")
	}
	return decodePatch(fields)
}

// DecodeUpdate parses one update of a bulk request: a patch object that
// also holds the item's "id". The id is returned whenever it could be read,
// even with an error, so that a rejection can name the item.
func DecodeUpdate(data []byte) (string, models.ProductPatch, error) {
	fields, err := decodeObject(data)
	if err != nil {
		return "", models.ProductPatch{}, err
	}
	rawID, ok := fields["id"]
	delete(fields, "id")
	id, isString := rawString(rawID)
	switch {
	case !ok:
		return "", models.ProductPatch{}, fieldErr("id", "required")
	case !isString:
		return "", models.ProductPatch{}, wrongType("id", "a string", rawID)
	}
	if id == "" {
		return "", models.ProductPatch{}, fieldErr("id", "required")
	}
	if len(id) > maxIDBytes {
		return truncateUTF8(id, maxIDBytes), models.ProductPatch{}, fieldErr("id", "longer than %d bytes", maxIDBytes)
	}
	pt, err := decodePatch(fields)
	return id, pt, err
}

func decodePatch(fields map[string]json.RawMessage) (models.ProductPatch, error) {
	var pt models.ProductPatch
	keys := sortedKeys(fields)
	for _, k := range keys {
		if err := checkPatchable(k); err != nil {
			return pt, err
		}
	}
	if len(keys) == 0 {
		return pt, models.Errorf(models.EINVALID, "empty patch: give at least one of %s", strings.Join(patchFields, ", "))
	}
	d := &fieldDecoder{fields: fields}
	for _, k := range keys {
		raw := bytes.TrimSpace(fields[k])
		if string(raw) == "null" {
			return pt, fieldErr(k, "null is not a value: leave the field out to keep it, or give the new value")
		}
		if s, ok := rawString(raw); ok && s == "" && k != "promo_tag" {
			return pt, fieldErr(k, "empty value: leave the field out to keep it, or give the new value")
		}
		switch k {
		case "price", "promo_price", "sales_amount_30d":
			f := d.float(k)
			if d.err == nil && f < 0 {
				return pt, fieldErr(k, "must be ≥ 0, got %v", f)
			}
			switch k {
			case "price":
				pt.Price = &f
			case "promo_price":
				pt.PromoPrice = &f
			default:
				pt.SalesAmount30d = &f
			}
		case "sales_30d", "impressions", "clicks":
			n := d.integer(k)
			if d.err == nil && n < 0 {
				return pt, fieldErr(k, "must be ≥ 0, got %d", n)
			}
			switch k {
			case "sales_30d":
				pt.Sales30d = &n
			case "impressions":
				pt.Impressions = &n
			default:
				pt.Clicks = &n
			}
		case "stock":
			d.patchStock(&pt, raw)
		case "region_stock":
			pt.RegionStock = d.regionCounts(k, raw)
		case "promo_tag":
			tag := d.text(k)
			if n := utf8.RuneCountInString(tag); n > maxShortRunes {
				return pt, fieldErr(k, "%d characters, at most %d allowed", n, maxShortRunes)
			}
			if err := checkText(k, tag, false); err != nil {
				return pt, err
			}
			pt.PromoTag = &tag
		case "listed_at":
			t := d.timestamp(k)
			if d.err == nil && (t.Year() < 1970 || t.Year() > 9999) {
				return pt, fieldErr(k, "year %d out of range 1970–9999", t.Year())
			}
			pt.ListedAt = &t
		case "platform":
			s := d.text(k)
			pl := parsePlatform(s)
			if d.err == nil && pl == "" {
				return pt, fieldErr(k, "want self or pop, got %q", models.Clip(s))
			}
			pt.Platform = &pl
		}
		if d.err != nil {
			return models.ProductPatch{}, d.err
		}
	}
	if pt.Price != nil && pt.PromoPrice != nil && *pt.Price > 0 && *pt.PromoPrice > *pt.Price {
		return models.ProductPatch{}, fieldErr("promo_price", "%v is above the price %v", *pt.PromoPrice, *pt.Price)
	}
	if pt.Impressions != nil && pt.Clicks != nil && *pt.Impressions > 0 && *pt.Clicks > *pt.Impressions {
		return models.ProductPatch{}, fieldErr("clicks", "%d exceeds impressions %d", *pt.Clicks, *pt.Impressions)
	}
	return pt, nil
}

// checkPatchable rejects a field a patch may not hold, saying why.
func checkPatchable(name string) error {
	switch {
	case textFields[name]:
		return models.Errorf(models.EINVALID, "%s cannot be patched; upsert the item to change text fields", name)
	case name == "id":
		return models.Errorf(models.EINVALID, "id cannot be patched; upsert an item under the new id and delete the old one")
	case name == "regions" || name == "shop_id" || name == "image":
		return models.Errorf(models.EINVALID, "%s cannot be patched; upsert the item to change it", name)
	case name == "stock_known":
		return models.Errorf(models.EINVALID, "stock_known cannot be patched: giving stock or region_stock sets it")
	}
	for _, f := range patchFields {
		if f == name {
			return nil
		}
	}
	return models.Errorf(models.EINVALID, "unknown field %q; a patch may hold %s", models.Clip(name), strings.Join(patchFields, ", "))
}

// patchStock reads stock: a number (the total) or {"total": N, "regions":
// {...}}, where a missing total is the sum of the regions after patching.
func (d *fieldDecoder) patchStock(pt *models.ProductPatch, raw json.RawMessage) {
	if raw[0] != '{' {
		n := d.integer("stock")
		if d.err == nil && n < 0 {
			d.fail(fieldErr("stock", "must be ≥ 0, got %d", n))
		}
		pt.Stock = &n
		return
	}
	_, m := d.object("stock", raw)
	if m == nil {
		return
	}
	if len(m) == 0 {
		d.fail(fieldErr("stock", "empty object: want a number or {\"total\": N, \"regions\": {...}}"))
		return
	}
	sub := &fieldDecoder{fields: m}
	for _, k := range sortedKeys(m) {
		raw := bytes.TrimSpace(m[k])
		if s, ok := rawString(raw); string(raw) == "null" || (ok && s == "") {
			d.fail(fieldErr("stock", "%s: empty value", models.Clip(k)))
			return
		}
		switch k {
		case "total":
			n := sub.integer(k)
			if sub.err == nil && n < 0 {
				sub.fail(fieldErr(k, "must be ≥ 0, got %d", n))
			}
			pt.Stock = &n
		case "regions":
			if pt.RegionStock != nil { // region_stock sorts before stock
				sub.fail(models.Errorf(models.EINVALID, "regions: region stock given twice, here and as region_stock"))
				break
			}
			pt.RegionStock = sub.regionCounts(k, raw)
		default:
			sub.fail(models.Errorf(models.EINVALID, "unknown field %q; want total and regions", models.Clip(k)))
		}
		if sub.err != nil {
			d.fail(fieldErr("stock", "%s", reasonOf(sub.err)))
			return
		}
	}
}

// regionCounts reads an object of region code → units ≥ 0, non-empty.
func (d *fieldDecoder) regionCounts(name string, raw json.RawMessage) map[string]int64 {
	_, m := d.object(name, raw)
	if m == nil {
		return nil
	}
	if len(m) == 0 {
		d.fail(fieldErr(name, "empty object: give at least one region"))
		return nil
	}
	if len(m) > maxRegions {
		d.fail(fieldErr(name, "%d entries, at most %d allowed", len(m), maxRegions))
		return nil
	}
	for _, k := range sortedKeys(m) {
		v := bytes.TrimSpace(m[k])
		if s, ok := rawString(v); string(v) == "null" || (ok && s == "") {
			d.fail(fieldErr(name, "%s: empty value", models.Clip(k)))
			return nil
		}
	}
	out := d.counts(name, raw)
	for _, code := range sortedKeys(out) {
		if err := validRegionCode(name, code); err != nil {
			d.fail(err)
			return nil
		}
		if n := out[code]; n < 0 {
			d.fail(fieldErr(name, "%s must be ≥ 0, got %d", models.Clip(code), n))
			return nil
		}
	}
	return out
}

// PatchProduct returns p with the patch applied, or an EINVALID error when
// the result breaks a rule that needs the product: promo_price above price
// (when the patch sets either and both are above 0), clicks above
// impressions, more than 64 regions of stock, a total that overflows. p is
// not modified (nor its region stock map).
func PatchProduct(p models.Product, pt models.ProductPatch) (models.Product, error) {
	next := p
	pt.Apply(&next)
	if pt.RegionStock != nil {
		if len(next.RegionStock) > maxRegions {
			return p, fieldErr("region_stock", "%d regions after patching, at most %d allowed", len(next.RegionStock), maxRegions)
		}
		if pt.Stock == nil {
			var sum int64
			for _, n := range next.RegionStock {
				if sum > math.MaxInt64-n {
					return p, fieldErr("region_stock", "the total of the regions overflows")
				}
				sum += n
			}
		}
	}
	// The numbers are checked as an upsert's are; region stock the patch
	// left alone was checked when it came, and sorting its codes for the
	// check is the dearest part of a patch.
	check := next
	if pt.RegionStock == nil {
		check.RegionStock = nil
	}
	if err := validateNumbers(&check); err != nil {
		return p, err
	}
	if (pt.Price != nil || pt.PromoPrice != nil) && next.Price > 0 && next.PromoPrice > next.Price {
		return p, fieldErr("promo_price", "%v is above the price %v", next.PromoPrice, next.Price)
	}
	return next, nil
}

// Patch appends partial updates to the change log — ids[i] gets
// patches[i], in order — with one write and one fsync for the whole call,
// and returns once they are durable. It does not touch the index (patches
// change no text) nor check that the ids exist: callers validate first
// (PatchProduct). Replaying the log at Open applies them to the products
// in order and skips a patch whose item is unknown or deleted by then. If
// the write fails, the log is cut back to where it was (appendLog).
func (c *Catalog) Patch(ids []string, patches []models.ProductPatch) error {
	if len(ids) != len(patches) {
		return fmt.Errorf("catalog patch: %d ids for %d patches", len(ids), len(patches))
	}
	if len(ids) == 0 {
		return nil
	}
	var buf bytes.Buffer
	buf.Grow(len(ids) * 96)
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range ids {
		if err := enc.Encode(change{Op: "patch", ID: ids[i], Patch: &patches[i]}); err != nil {
			return fmt.Errorf("encode patch of %q: %w", models.Clip(ids[i]), err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := c.appendLog(buf.Bytes())
	return err
}

// dropTornTail cuts the last n bytes — a line a crash left without its
// newline — off the change log at path, so that the next append starts a
// line of its own. (Found with patches, whose high rate makes a torn line
// followed by more appends likely; it applies to every op.)
func dropTornTail(path string, n int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("drop torn change log line: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("drop torn change log line: %w", err)
	}
	if err := f.Truncate(fi.Size() - n); err != nil {
		return fmt.Errorf("drop torn change log line: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("drop torn change log line: %w", err)
	}
	return nil
}
