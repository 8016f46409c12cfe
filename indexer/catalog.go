package indexer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"shopsearch/models"
	"shopsearch/models/check"
)

// Format is the encoding of a catalog file.
type Format int

// Catalog formats.
const (
	FormatJSONL Format = iota // one JSON object a line
	FormatCSV                 // a header row of JSON field names, then one product a record
)

func (f Format) String() string {
	switch f {
	case FormatJSONL:
		return "jsonl"
	case FormatCSV:
		return "csv"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// FormatFromPath guesses the format from a file name: .csv and .csv.gz are
// CSV, anything else is JSONL.
func FormatFromPath(path string) Format {
	name := strings.TrimSuffix(strings.ToLower(filepath.Base(path)), ".gz")
	if strings.HasSuffix(name, ".csv") {
		return FormatCSV
	}
	return FormatJSONL
}

// Import limits.
const (
	maxLineBytes = 1 << 20 // longest accepted JSONL line or CSV record, terminator excluded
	maxRawBytes  = 300     // how much of a rejected line a Reject keeps
)

// Reject is one input line that was not imported, and why.
type Reject struct {
	Line   int    // 1-based line number (for CSV, the line the record starts on; header = 1)
	ID     string // the product id when it could be read
	Reason string
	Raw    string // the line, truncated to 300 bytes
}

// ImportStats counts what ReadCatalog saw. Lines = Accepted + Rejected + Blank.
type ImportStats struct {
	Lines, Accepted, Rejected, Blank int
}

func (s ImportStats) String() string {
	return fmt.Sprintf("lines=%d accepted=%d rejected=%d blank=%d", s.Lines, s.Accepted, s.Rejected, s.Blank)
}

// ReadCatalog streams products; onProduct is called for each accepted product
// in file order, onReject for each bad line (either may be nil). It returns an
// error only for I/O failures, a CSV header without id or title, or an error
// from onProduct (which stops the import); never for bad lines. Gzip input
// (magic bytes 1f 8b) is detected and decompressed transparently.
//
// Field rules (JSONL; CSV cells follow the same rules after the conversions
// described at readCSV):
//   - strings are trimmed; empty strings and nulls count as absent; a number
//     is accepted where a string is expected and kept in its literal form;
//   - numbers may be given as numeric strings ("12.5"); integer fields accept
//     12.0 but not 12.5;
//   - category is a path "a>b>c" (segments trimmed, empty ones dropped) or an
//     array of segments;
//   - stock is a number (total) or {"total": N, "regions": {"bj": 3}}; the
//     total defaults to the sum of the regions; region_stock is accepted too;
//     HasStock is set whenever either was given;
//   - platform self/自营 and pop/第三方/marketplace are mapped, any other value
//     is left empty (not a reject);
//   - listed_at is RFC 3339, "2006-01-02", "2006-01-02 15:04:05" (both read
//     as China time, UTC+8) or unix seconds; it is stored in UTC;
//   - regions is an array of strings (or one "bj|sh" string), de-duplicated;
//   - attributes is an object whose values are strings, numbers or booleans;
//   - a repeated id is rejected with "duplicate id (first at line N)".
func ReadCatalog(r io.Reader, format Format, onProduct func(models.Product) error, onReject func(Reject)) (ImportStats, error) {
	src, err := maybeGunzip(r)
	if err != nil {
		return ImportStats{}, err
	}
	im := &importer{onProduct: onProduct, onReject: onReject, seen: make(map[string]int)}
	switch format {
	case FormatJSONL:
		err = im.readJSONL(src)
	case FormatCSV:
		err = im.readCSV(src)
	default:
		err = models.Errorf(models.EINVALID, "unknown catalog format %v", format)
	}
	return im.stats, err
}

// DecodeProduct parses and validates one product given as a JSON object, with
// the same rules as a JSONL catalog line (for the HTTP upsert path), except
// that the id must be a JSON string.
func DecodeProduct(data []byte) (models.Product, error) {
	fields, err := decodeObject(data)
	if err != nil {
		return models.Product{}, err
	}
	if err := requireStringID(fields); err != nil {
		return models.Product{}, err
	}
	p, err := parseProduct(fields)
	if err != nil {
		return models.Product{}, err
	}
	return p, ValidateProduct(&p)
}

// WriteRejects writes rejects as JSONL, one
// {"line":N,"id":"..","reason":"..","raw":".."} object a line.
func WriteRejects(w io.Writer, rejects []Reject) error {
	type jsonReject struct {
		Line   int    `json:"line"`
		ID     string `json:"id"`
		Reason string `json:"reason"`
		Raw    string `json:"raw"`
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, rj := range rejects {
		if err := enc.Encode(jsonReject{rj.Line, rj.ID, rj.Reason, rj.Raw}); err != nil {
			return fmt.Errorf("write rejects: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	return nil
}

// maybeGunzip returns r, decompressed when it starts with the gzip magic.
func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read catalog: gzip: %w", err)
		}
		return zr, nil
	}
	return br, nil
}

// importer holds the state of one ReadCatalog call.
type importer struct {
	onProduct func(models.Product) error
	onReject  func(Reject)
	seen      map[string]int // id → line of its first occurrence
	stats     ImportStats
}

const utf8BOM = "\uFEFF"

func (im *importer) readJSONL(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for lineNo := 1; ; lineNo++ {
		line, tooLong, err := readLine(br, buf[:0])
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read catalog line %d: %w", lineNo, err)
		}
		buf = line
		im.stats.Lines++
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte(utf8BOM))
		}
		if tooLong {
			im.reject(lineNo, "", fmt.Sprintf("line too long (over %d bytes)", maxLineBytes), line)
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			im.stats.Blank++
			continue
		}
		fields, err := decodeObject(line)
		if err != nil {
			im.reject(lineNo, "", reasonOf(err), line)
			continue
		}
		if err := im.add(lineNo, fields, line); err != nil {
			return err
		}
	}
}

// readLine reads one line into buf without its terminator (\n or \r\n). A
// line longer than maxLineBytes is consumed whole but only its start is kept,
// and tooLong is set. It returns io.EOF only when no bytes were left.
func readLine(br *bufio.Reader, buf []byte) (line []byte, tooLong bool, err error) {
	n := 0 // bytes consumed, terminator included
	for {
		chunk, err := br.ReadSlice('\n')
		n += len(chunk)
		if room := maxLineBytes + 2 - len(buf); room > 0 {
			buf = append(buf, chunk[:min(room, len(chunk))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && n == 0 {
			return nil, false, io.EOF
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, false, err
		}
		break
	}
	if len(buf) < n { // truncated: certainly longer than the limit
		return buf, true, nil
	}
	buf = bytes.TrimSuffix(buf, []byte("\n"))
	buf = bytes.TrimSuffix(buf, []byte("\r"))
	return buf, len(buf) > maxLineBytes, nil
}

// add parses, validates and de-duplicates one line's fields, and hands the
// product on or rejects the line.
func (im *importer) add(lineNo int, fields map[string]json.RawMessage, raw []byte) error {
	p, err := parseProduct(fields)
	if err == nil {
		err = ValidateProduct(&p)
	}
	if err == nil {
		if first, dup := im.seen[p.ID]; dup {
			err = fmt.Errorf("duplicate id (first at line %d)", first)
		}
	}
	if err != nil {
		id := p.ID
		if id == "" {
			id, _ = rawString(fields["id"])
		}
		im.reject(lineNo, id, reasonOf(err), raw)
		return nil
	}
	im.seen[p.ID] = lineNo
	im.stats.Accepted++
	if im.onProduct != nil {
		if err := im.onProduct(p); err != nil {
			return fmt.Errorf("catalog line %d (id %s): %w", lineNo, p.ID, err)
		}
	}
	return nil
}

func (im *importer) reject(lineNo int, id, reason string, raw []byte) {
	im.stats.Rejected++
	if im.onReject != nil {
		im.onReject(Reject{Line: lineNo, ID: truncateUTF8(id, 128), Reason: reason, Raw: truncateUTF8(string(raw), maxRawBytes)})
	}
}

// reasonOf is the text of a reject reason: the message of a *models.Error
// without its code, otherwise the error text.
func reasonOf(err error) string {
	var me *models.Error
	if errors.As(err, &me) {
		return me.Message
	}
	return err.Error()
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// decodeObject decodes one JSON object into its raw members, refusing
// invalid UTF-8 and repeated names (CheckJSON).
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] != '{' && json.Valid(data) {
		return nil, models.Errorf(models.EINVALID, "invalid JSON: want an object, got %s", kindOf(data))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, models.Errorf(models.EINVALID, "invalid JSON: %v", err)
	}
	if err := CheckJSON(data); err != nil { // strict.go
		return nil, err
	}
	return fields, nil
}

// ---- field decoding ----

// fieldDecoder reads typed fields from a decoded JSON object, keeping the
// first error.
type fieldDecoder struct {
	fields map[string]json.RawMessage
	err    error
}

func (d *fieldDecoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// value returns the raw value of a field, or nil when it is absent, null or
// a blank string.
func (d *fieldDecoder) value(name string) json.RawMessage {
	raw := bytes.TrimSpace(d.fields[name])
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if s, ok := rawString(raw); ok && s == "" {
		return nil
	}
	return raw
}

func parseProduct(fields map[string]json.RawMessage) (models.Product, error) {
	d := &fieldDecoder{fields: fields}
	p := models.Product{
		ID:             d.text("id"),
		Title:          d.text("title"),
		Subtitle:       d.text("subtitle"),
		Brand:          d.text("brand"),
		Category:       d.category("category"),
		Attrs:          d.attributes("attributes"),
		Price:          d.float("price"),
		PromoPrice:     d.float("promo_price"),
		PromoTag:       d.text("promo_tag"),
		Sales30d:       d.integer("sales_30d"),
		SalesAmount30d: d.float("sales_amount_30d"),
		Impressions:    d.integer("impressions"),
		Clicks:         d.integer("clicks"),
		Platform:       parsePlatform(d.text("platform")),
		ShopID:         d.text("shop_id"),
		Regions:        d.list("regions"),
		ListedAt:       d.timestamp("listed_at"),
		Image:          d.text("image"),
		ProductWord:    d.text("product_word"),
	}
	d.stock(&p)
	return p, d.err
}

// fieldErr is an EINVALID error about one field: "name: message".
func fieldErr(name, format string, args ...any) error {
	return models.Errorf(models.EINVALID, name+": "+format, args...)
}

// wrongType reports a value of the wrong kind, quoting strings.
func wrongType(name, want string, raw json.RawMessage) error {
	if s, ok := rawString(raw); ok {
		return fieldErr(name, "want %s, got %q", want, models.Clip(s))
	}
	return fieldErr(name, "want %s, got %s", want, kindOf(raw))
}

func kindOf(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// rawString decodes a JSON string value, trimmed.
func rawString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return strings.TrimSpace(s), true
}

// scalar returns a string, number or boolean value as text; ok is false for
// objects and arrays.
func scalar(raw json.RawMessage) (string, bool) {
	if s, ok := rawString(raw); ok {
		return s, true
	}
	switch kindOf(raw) {
	case "a number", "a boolean":
		return string(raw), true
	}
	return "", false
}

func (d *fieldDecoder) text(name string) string {
	raw := d.value(name)
	if raw == nil {
		return ""
	}
	s, ok := scalar(raw)
	if !ok || kindOf(raw) == "a boolean" {
		d.fail(wrongType(name, "a string", raw))
	}
	return s
}

// number returns the text of a number or numeric string, "" when absent.
func (d *fieldDecoder) number(name string) (string, json.RawMessage) {
	raw := d.value(name)
	if raw == nil {
		return "", nil
	}
	if s, ok := rawString(raw); ok {
		return s, raw
	}
	if kindOf(raw) == "a number" {
		return string(raw), raw
	}
	d.fail(wrongType(name, "a number", raw))
	return "", nil
}

func (d *fieldDecoder) float(name string) float64 {
	s, raw := d.number(name)
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		d.fail(wrongType(name, "a number", raw))
		return 0
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
		d.fail(wrongType(name, "a finite number", raw))
		return 0
	}
	return f
}

func (d *fieldDecoder) integer(name string) int64 {
	s, raw := d.number(name)
	if s == "" {
		return 0
	}
	n, ok := parseInt(s)
	if !ok {
		d.fail(wrongType(name, "an integer", raw))
	}
	return n
}

// parseInt accepts integers and integral decimals such as 12.0 or 1e3.
func parseInt(s string) (int64, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

func (d *fieldDecoder) category(name string) string {
	raw := d.value(name)
	if raw == nil {
		return ""
	}
	var parts []string
	if raw[0] == '[' {
		parts = d.list(name)
	} else {
		parts = models.Category(d.text(name)).Levels()
	}
	return string(models.CategoryOf(parts))
}

// list reads an array of strings, or one "a|b" string; items are trimmed and
// de-duplicated, empty ones dropped.
func (d *fieldDecoder) list(name string) []string {
	raw := d.value(name)
	if raw == nil {
		return nil
	}
	var items []string
	if s, ok := rawString(raw); ok {
		items = strings.Split(s, "|")
	} else {
		var elems []json.RawMessage
		if raw[0] != '[' || json.Unmarshal(raw, &elems) != nil {
			d.fail(wrongType(name, "an array of strings", raw))
			return nil
		}
		for i, e := range elems {
			s, ok := rawString(e)
			if !ok && string(e) != "null" {
				d.fail(fieldErr(name, "want an array of strings, got %s at index %d", kindOf(e), i))
				return nil
			}
			items = append(items, s)
		}
	}
	var out []string
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// object decodes an object field into its members, sorted by key.
func (d *fieldDecoder) object(name string, raw json.RawMessage) ([]string, map[string]json.RawMessage) {
	var m map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		d.fail(wrongType(name, "an object", raw))
		return nil, nil
	}
	return sortedKeys(m), m
}

func (d *fieldDecoder) attributes(name string) map[string]string {
	raw := d.value(name)
	if raw == nil {
		return nil
	}
	keys, m := d.object(name, raw)
	attrs := make(map[string]string, len(keys))
	for _, k := range keys {
		v := m[k]
		if string(v) == "null" {
			continue
		}
		s, ok := scalar(v)
		if !ok {
			d.fail(fieldErr(name, "value of %q: want a string, got %s", models.Clip(k), kindOf(v)))
			return nil
		}
		key := strings.TrimSpace(k)
		if key == "" {
			d.fail(fieldErr(name, "empty key"))
			return nil
		}
		if s != "" {
			attrs[key] = s
		}
	}
	if len(attrs) == 0 {
		return nil
	}
	return attrs
}

// counts decodes an object of region code → integer.
func (d *fieldDecoder) counts(name string, raw json.RawMessage) map[string]int64 {
	keys, m := d.object(name, raw)
	if m == nil {
		return nil
	}
	sub := &fieldDecoder{fields: m}
	out := make(map[string]int64, len(keys))
	for _, k := range keys {
		code := strings.TrimSpace(k)
		if code == "" {
			d.fail(fieldErr(name, "empty region code"))
			return nil
		}
		n := sub.integer(k)
		if sub.err != nil {
			d.fail(fieldErr(name, "%s", reasonOf(sub.err)))
			return nil
		}
		out[code] = n
	}
	return out
}

// stock reads stock (a number or {"total","regions"}) and region_stock.
func (d *fieldDecoder) stock(p *models.Product) {
	var total int64
	totalGiven := false
	if raw := d.value("stock"); raw != nil {
		p.HasStock = true
		if raw[0] == '{' {
			_, m := d.object("stock", raw)
			sub := &fieldDecoder{fields: m}
			if sub.value("total") != nil {
				total, totalGiven = sub.integer("total"), true
			}
			if r := sub.value("regions"); r != nil {
				p.RegionStock = sub.counts("regions", r)
			}
			if sub.err != nil {
				d.fail(fieldErr("stock", "%s", reasonOf(sub.err)))
			}
		} else {
			total, totalGiven = d.integer("stock"), true
		}
	}
	if raw := d.value("region_stock"); raw != nil && p.RegionStock == nil {
		p.HasStock = true
		p.RegionStock = d.counts("region_stock", raw)
	}
	if !totalGiven {
		for _, n := range p.RegionStock {
			total += n
		}
	}
	p.Stock = total
}

func parsePlatform(s string) models.Platform {
	switch strings.ToLower(s) {
	case "self", "自营":
		return models.PlatformSelf
	case "pop", "第三方", "marketplace":
		return models.PlatformPOP
	}
	return ""
}

// maxUnix is 9999-12-31T23:59:59Z, the last instant JSON can encode.
const maxUnix = 253402300799

func (d *fieldDecoder) timestamp(name string) time.Time {
	raw := d.value(name)
	if raw == nil {
		return time.Time{}
	}
	s, ok := scalar(raw)
	if !ok || kindOf(raw) == "a boolean" {
		d.fail(wrongType(name, "a date or unix seconds", raw))
		return time.Time{}
	}
	if s == "" {
		return time.Time{}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if !(f >= 0 && f <= maxUnix) {
			d.fail(fieldErr(name, "unix seconds out of range: %s", models.Clip(s)))
			return time.Time{}
		}
		sec := math.Floor(f)
		return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC()
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	chinaTime := time.FixedZone("UTC+8", 8*3600) // for values written without a zone
	for _, layout := range []string{time.DateTime, time.DateOnly, "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, chinaTime); err == nil {
			return t.UTC()
		}
	}
	d.fail(wrongType(name, "an RFC 3339 time, 2006-01-02[ 15:04:05] or unix seconds", raw))
	return time.Time{}
}

// ---- validation ----

// Validation limits (runes unless noted).
const (
	maxIDBytes       = 128
	maxTitleRunes    = 500
	maxBrandRunes    = 100
	maxCategoryRunes = 300
	maxCategoryDepth = 8
	maxAttrs         = 64
	maxAttrKeyRunes  = 64
	maxAttrValRunes  = 256
	maxRegions       = 64
	maxRegionBytes   = 32
	maxImageBytes    = 1024
	maxShortRunes    = 100 // promo_tag, shop_id, product_word
)

// productRules are ValidateProduct's rules as validator tags (models/check
// adds notblank, maxbytes, utf8, text, line, nocontrol and finite).
var productRules = map[string]string{
	"ID":             "notblank,maxbytes=" + strconv.Itoa(maxIDBytes) + ",nocontrol",
	"Title":          "utf8,text,notblank,max=" + strconv.Itoa(maxTitleRunes),
	"Subtitle":       "utf8,text,max=" + strconv.Itoa(maxTitleRunes),
	"Brand":          "utf8,text,max=" + strconv.Itoa(maxBrandRunes),
	"Category":       "utf8,text,max=" + strconv.Itoa(maxCategoryRunes),
	"PromoTag":       "utf8,text,max=" + strconv.Itoa(maxShortRunes),
	"ShopID":         "utf8,text,max=" + strconv.Itoa(maxShortRunes),
	"ProductWord":    "utf8,text,max=" + strconv.Itoa(maxShortRunes),
	"Image":          "maxbytes=" + strconv.Itoa(maxImageBytes) + ",utf8,text",
	"Attrs":          "max=" + strconv.Itoa(maxAttrs) + ",dive,keys,attrkey,endkeys,attrvalue",
	"Price":          "finite,gte=0",
	"PromoPrice":     "finite,gte=0",
	"SalesAmount30d": "finite,gte=0",
	"Stock":          "gte=0",
	"RegionStock":    "max=" + strconv.Itoa(maxRegions) + ",dive,keys,regionkey,endkeys,gte=0",
	"Sales30d":       "gte=0",
	"Impressions":    "gte=0",
	"Clicks":         "gte=0",
	"Platform":       "omitempty,oneof=" + string(models.PlatformSelf) + " " + string(models.PlatformPOP),
	"Regions":        "max=" + strconv.Itoa(maxRegions) + ",dive,regioncode",
}

// productChecker is built once, on first use, and only read after: the
// validator caches the parsed rules and is safe for concurrent use.
var productChecker = sync.OnceValue(func() *check.Checker {
	c := check.New("entry")
	c.KeyAlias("attrkey", "notblank,utf8,line,max="+strconv.Itoa(maxAttrKeyRunes))
	c.Alias("attrvalue", "utf8,text,max="+strconv.Itoa(maxAttrValRunes))
	region := "notblank,maxbytes=" + strconv.Itoa(maxRegionBytes) + ",utf8,line"
	c.Alias("regioncode", region)
	c.KeyAlias("regionkey", region)
	c.Rules(models.Product{}, productRules, "RegionStock") // stock is their sum
	numbers := map[string]string{}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[productNumbers]()) {
		numbers[f.Name] = productRules[f.Name]
	}
	c.Rules(productNumbers{}, numbers, "RegionStock")
	return c
})

// ValidateProduct checks one product, as ReadCatalog and the HTTP upsert
// path do. It returns a *models.Error with code models.EINVALID whose message
// starts with the field name (`attributes: key "颜色": …`, `regions entry
// 2: …` within a field). Rules:
//   - id: required, at most 128 bytes, no control characters;
//   - title: required (not only whitespace), at most 500 runes; subtitle at
//     most 500; brand 100; promo_tag, shop_id and product_word 100;
//   - category: at most 300 runes and 8 non-empty levels separated by ">";
//   - attributes: at most 64, keys non-empty and at most 64 runes, values at
//     most 256;
//   - prices, sales amount, stock, region stock, sales, impressions and
//     clicks: finite and ≥ 0; clicks may not exceed impressions when
//     impressions > 0 (a source that reports clicks but no impressions is
//     accepted: zero means "unknown");
//   - platform: empty, self or pop;
//   - regions and region_stock: at most 64 entries, codes non-empty and at
//     most 32 bytes; image at most 1024 bytes;
//   - listed_at: zero, or between 1970 and 9999;
//   - all text valid UTF-8 without C0 control characters (NUL…U+001F)
//     but tab, newline and carriage return, which keys and region codes
//     may not hold either.
//
// The rules of single fields are go-playground/validator's (productRules,
// through models/check); the ones across fields or within a value
// (category levels, clicks and impressions, the year) are written here.
func ValidateProduct(p *models.Product) error {
	if p == nil {
		return models.Errorf(models.EINVALID, "product: missing")
	}
	if err := productChecker().Check(p); err != nil {
		return err
	}
	if p.Category != "" {
		levels := models.Category(p.Category).Levels()
		if len(levels) > maxCategoryDepth {
			return fieldErr("category", "%d levels, at most %d allowed", len(levels), maxCategoryDepth)
		}
		if slices.ContainsFunc(levels, func(s string) bool { return strings.TrimSpace(s) == "" }) {
			return fieldErr("category", "empty level in %q", models.Clip(p.Category))
		}
	}
	return validateAcross(p)
}

// productNumbers are the fields validateNumbers checks, with Product's
// JSON names: validating this small struct costs a patch far less than
// the validator's StructPartial of a whole product.
type productNumbers struct {
	Price          float64          `json:"price"`
	PromoPrice     float64          `json:"promo_price"`
	SalesAmount30d float64          `json:"sales_amount_30d"`
	Stock          int64            `json:"stock"`
	RegionStock    map[string]int64 `json:"region_stock"`
	Sales30d       int64            `json:"sales_30d"`
	Impressions    int64            `json:"impressions"`
	Clicks         int64            `json:"clicks"`
	Platform       models.Platform  `json:"platform"`
}

// validateNumbers checks the numbers and the platform of p, as
// ValidateProduct does: what a patch can change.
func validateNumbers(p *models.Product) error {
	n := productNumbers{p.Price, p.PromoPrice, p.SalesAmount30d, p.Stock, p.RegionStock, p.Sales30d, p.Impressions, p.Clicks, p.Platform}
	if err := productChecker().Check(&n); err != nil {
		return err
	}
	return validateAcross(p)
}

// validateAcross checks the rules across fields or within a value.
func validateAcross(p *models.Product) error {
	if p.Impressions > 0 && p.Clicks > p.Impressions {
		return fieldErr("clicks", "%d exceeds impressions %d", p.Clicks, p.Impressions)
	}
	if !p.ListedAt.IsZero() && (p.ListedAt.Year() < 1970 || p.ListedAt.Year() > 9999) {
		return fieldErr("listed_at", "year %d out of range 1970–9999", p.ListedAt.Year())
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// validRegionCode checks one region code as productRules do (regioncode),
// for the patch decoder.
func validRegionCode(name, code string) error {
	return productChecker().CheckValue(fmt.Sprintf("%s: key %q", name, models.Clip(code)), code, "regioncode")
}
