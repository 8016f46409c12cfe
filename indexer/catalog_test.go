package indexer

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"shopsearch/models"
)

// readAll runs ReadCatalog and collects everything it reports.
func readAll(t *testing.T, r io.Reader, format Format) ([]models.Product, []Reject, ImportStats) {
	t.Helper()
	var products []models.Product
	var rejects []Reject
	stats, err := ReadCatalog(r, format,
		func(p models.Product) error { products = append(products, p); return nil },
		func(rj Reject) { rejects = append(rejects, rj) })
	if err != nil {
		t.Fatalf("ReadCatalog: %v", err)
	}
	if got := stats.Accepted + stats.Rejected + stats.Blank; got != stats.Lines {
		t.Errorf("stats %v: accepted+rejected+blank = %d, want lines", stats, got)
	}
	if stats.Accepted != len(products) || stats.Rejected != len(rejects) {
		t.Errorf("stats %v disagree with %d products and %d rejects", stats, len(products), len(rejects))
	}
	return products, rejects, stats
}

func TestCatalogJSONLGoodLines(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC()
	}
	tests := []struct {
		name string
		line string
		want models.Product
	}{
		{"minimal", `{"id":"a1","title":"小米手机"}`, models.Product{ID: "a1", Title: "小米手机"}},
		{"trimmed strings", `{"id":" a1 ","title":"  小米 手机\t","brand":" 小米 "}`,
			models.Product{ID: "a1", Title: "小米 手机", Brand: "小米"}},
		{"numeric id", `{"id":12345,"title":"t"}`, models.Product{ID: "12345", Title: "t"}},
		{"numeric strings", `{"id":"a","title":"t","price":"12.5","promo_price":"9.9","stock":"3","sales_30d":"7","impressions":"100","clicks":"9"}`,
			models.Product{ID: "a", Title: "t", Price: 12.5, PromoPrice: 9.9, Stock: 3, HasStock: true, Sales30d: 7, Impressions: 100, Clicks: 9}},
		{"integral decimal", `{"id":"a","title":"t","stock":12.0,"sales_30d":1e3}`,
			models.Product{ID: "a", Title: "t", Stock: 12, HasStock: true, Sales30d: 1000}},
		{"stock zero is given", `{"id":"a","title":"t","stock":0}`, models.Product{ID: "a", Title: "t", HasStock: true}},
		{"stock regions sum", `{"id":"a","title":"t","stock":{"regions":{"bj":3,"sh":0}}}`,
			models.Product{ID: "a", Title: "t", Stock: 3, RegionStock: map[string]int64{"bj": 3, "sh": 0}, HasStock: true}},
		{"stock total wins", `{"id":"a","title":"t","stock":{"total":10,"regions":{"bj":"3"}}}`,
			models.Product{ID: "a", Title: "t", Stock: 10, RegionStock: map[string]int64{"bj": 3}, HasStock: true}},
		{"region_stock field", `{"id":"a","title":"t","region_stock":{"gz":2,"sz":5}}`,
			models.Product{ID: "a", Title: "t", Stock: 7, RegionStock: map[string]int64{"gz": 2, "sz": 5}, HasStock: true}},
		{"platform self", `{"id":"a","title":"t","platform":"self"}`, models.Product{ID: "a", Title: "t", Platform: models.PlatformSelf}},
		{"platform 自营", `{"id":"a","title":"t","platform":"自营"}`, models.Product{ID: "a", Title: "t", Platform: models.PlatformSelf}},
		{"platform POP", `{"id":"a","title":"t","platform":"POP"}`, models.Product{ID: "a", Title: "t", Platform: models.PlatformPOP}},
		{"platform 第三方", `{"id":"a","title":"t","platform":"第三方"}`, models.Product{ID: "a", Title: "t", Platform: models.PlatformPOP}},
		{"platform marketplace", `{"id":"a","title":"t","platform":"marketplace"}`, models.Product{ID: "a", Title: "t", Platform: models.PlatformPOP}},
		{"platform JD is unknown", `{"id":"a","title":"t","platform":"JD"}`, models.Product{ID: "a", Title: "t"}},
		{"platform mixed_cn_shops is unknown", `{"id":"a","title":"t","platform":"mixed_cn_shops"}`, models.Product{ID: "a", Title: "t"}},
		{"listed_at RFC3339", `{"id":"a","title":"t","listed_at":"2024-05-01T10:00:00+08:00"}`,
			models.Product{ID: "a", Title: "t", ListedAt: utc("2024-05-01T02:00:00Z")}},
		{"listed_at date is China time", `{"id":"a","title":"t","listed_at":"2024-05-01"}`,
			models.Product{ID: "a", Title: "t", ListedAt: utc("2024-04-30T16:00:00Z")}},
		{"listed_at datetime", `{"id":"a","title":"t","listed_at":"2024-05-01 10:00:00"}`,
			models.Product{ID: "a", Title: "t", ListedAt: utc("2024-05-01T02:00:00Z")}},
		{"listed_at unix", `{"id":"a","title":"t","listed_at":1714528800}`,
			models.Product{ID: "a", Title: "t", ListedAt: utc("2024-05-01T02:00:00Z")}},
		{"listed_at unix string", `{"id":"a","title":"t","listed_at":"1714528800"}`,
			models.Product{ID: "a", Title: "t", ListedAt: utc("2024-05-01T02:00:00Z")}},
		{"regions", `{"id":"a","title":"t","regions":["bj"," sh ","bj",""]}`,
			models.Product{ID: "a", Title: "t", Regions: []string{"bj", "sh"}}},
		{"attributes", `{"id":"a","title":"t","attributes":{"颜色":"黑色","内存":256,"5G":true,"空":"","无":null}}`,
			models.Product{ID: "a", Title: "t", Attrs: map[string]string{"颜色": "黑色", "内存": "256", "5G": "true"}}},
		{"category path", `{"id":"a","title":"t","category":" 数码 > 手机 >> 智能手机 "}`,
			models.Product{ID: "a", Title: "t", Category: "数码>手机>智能手机"}},
		{"category array", `{"id":"a","title":"t","category":["数码","手机"]}`,
			models.Product{ID: "a", Title: "t", Category: "数码>手机"}},
		{"unknown fields and nulls", `{"id":"a","title":"t","source":"x","extra":{"k":[1]},"brand":null,"price":"","product_word":"手机壳"}`,
			models.Product{ID: "a", Title: "t", ProductWord: "手机壳"}},
		{"clicks without impressions", `{"id":"a","title":"t","clicks":5}`, models.Product{ID: "a", Title: "t", Clicks: 5}},
		{"all the rest", `{"id":"a","title":"t","subtitle":"s","promo_tag":"秒杀","sales_amount_30d":99.5,"shop_id":"shop-1","image":"https://x/1.jpg"}`,
			models.Product{ID: "a", Title: "t", Subtitle: "s", PromoTag: "秒杀", SalesAmount30d: 99.5, ShopID: "shop-1", Image: "https://x/1.jpg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			products, rejects, _ := readAll(t, strings.NewReader(tt.line), FormatJSONL)
			if len(rejects) > 0 {
				t.Fatalf("rejected: %+v", rejects[0])
			}
			if len(products) != 1 {
				t.Fatalf("got %d products, want 1", len(products))
			}
			if !reflect.DeepEqual(products[0], tt.want) {
				t.Errorf("got  %+v\nwant %+v", products[0], tt.want)
			}
		})
	}
}

func TestCatalogJSONLBadLines(t *testing.T) {
	long := func(n int) string { return strings.Repeat("长", n) }
	many := func(n int, format string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(format, i)
		}
		return strings.Join(parts, ",")
	}
	tests := []struct {
		name   string
		line   string
		id     string
		reason string
	}{
		{"invalid JSON", `{"id":"a","title":`, "", "invalid JSON"},
		{"not an object", `[1,2]`, "", "invalid JSON: want an object, got an array"},
		{"null line", `null`, "", "invalid JSON: want an object, got null"},
		{"missing id", `{"title":"t"}`, "", "id: required"},
		{"missing title", `{"id":"a"}`, "a", "title: required"},
		{"blank title", `{"id":"a","title":"  \t "}`, "a", "title: required"},
		{"title wrong type", `{"id":"a","title":true}`, "a", "title: want a string, got a boolean"},
		{"id wrong type", `{"id":["a"],"title":"t"}`, "", "id: want a string, got an array"},
		{"price not numeric", `{"id":"a","title":"t","price":"abc"}`, "a", `price: want a number, got "abc"`},
		{"price object", `{"id":"a","title":"t","price":{}}`, "a", "price: want a number, got an object"},
		{"price negative", `{"id":"a","title":"t","price":-1}`, "a", "price: must be ≥ 0, got -1"},
		{"price NaN", `{"id":"a","title":"t","price":"NaN"}`, "a", `price: want a finite number, got "NaN"`},
		{"price overflow", `{"id":"a","title":"t","price":1e999}`, "a", "price: want a finite number"},
		{"stock fraction", `{"id":"a","title":"t","stock":1.5}`, "a", "stock: want an integer, got a number"},
		{"stock boolean", `{"id":"a","title":"t","stock":true}`, "a", "stock: want a number, got a boolean"},
		{"stock negative", `{"id":"a","title":"t","stock":-3}`, "a", "stock: must be ≥ 0"},
		{"stock bad region", `{"id":"a","title":"t","stock":{"regions":{"bj":"x"}}}`, "a", `stock: regions: bj: want an integer, got "x"`},
		{"region_stock negative", `{"id":"a","title":"t","region_stock":{"bj":-1}}`, "a", `region_stock: value of "bj": must be ≥ 0`},
		{"sales fraction", `{"id":"a","title":"t","sales_30d":"2.5"}`, "a", `sales_30d: want an integer, got "2.5"`},
		{"clicks over impressions", `{"id":"a","title":"t","impressions":10,"clicks":20}`, "a", "clicks: 20 exceeds impressions 10"},
		{"regions not a list", `{"id":"a","title":"t","regions":5}`, "a", "regions: want an array of strings, got a number"},
		{"regions element", `{"id":"a","title":"t","regions":["bj",3]}`, "a", "regions: want an array of strings, got a number at index 1"},
		{"too many regions", `{"id":"a","title":"t","regions":[` + many(65, `"r%d"`) + `]}`, "a", "regions: 65 entries"},
		{"region code too long", `{"id":"a","title":"t","regions":["` + strings.Repeat("x", 33) + `"]}`, "a", "regions entry 1: longer than 32 bytes"},
		{"attributes array", `{"id":"a","title":"t","attributes":["x"]}`, "a", "attributes: want an object, got an array"},
		{"attributes nested", `{"id":"a","title":"t","attributes":{"颜色":{"x":1}}}`, "a", `attributes: value of "颜色": want a string, got an object`},
		{"attributes too many", `{"id":"a","title":"t","attributes":{` + many(65, `"k%d":"v"`) + `}}`, "a", "attributes: 65 entries"},
		{"attribute key too long", `{"id":"a","title":"t","attributes":{"` + long(65) + `":"v"}}`, "a", "attributes: key"},
		{"attribute value too long", `{"id":"a","title":"t","attributes":{"k":"` + long(257) + `"}}`, "a", `attributes: value of "k": 257 characters, at most 256 allowed`},
		{"listed_at text", `{"id":"a","title":"t","listed_at":"yesterday"}`, "a", "listed_at: want an RFC 3339 time"},
		{"listed_at milliseconds", `{"id":"a","title":"t","listed_at":1714528800000}`, "a", "listed_at: unix seconds out of range"},
		{"id too long", `{"id":"` + strings.Repeat("x", 129) + `","title":"t"}`, strings.Repeat("x", 128), "id: longer than 128 bytes"},
		{"id control char", `{"id":"a\u0001b","title":"t"}`, "a\x01b", "id: contains control characters"},
		{"title too long", `{"id":"a","title":"` + long(501) + `"}`, "a", "title: 501 characters, at most 500"},
		{"subtitle too long", `{"id":"a","title":"t","subtitle":"` + long(501) + `"}`, "a", "subtitle: 501 characters"},
		{"brand too long", `{"id":"a","title":"t","brand":"` + long(101) + `"}`, "a", "brand: 101 characters"},
		{"category too long", `{"id":"a","title":"t","category":"` + long(301) + `"}`, "a", "category: 301 characters"},
		{"category too deep", `{"id":"a","title":"t","category":"a>b>c>d>e>f>g>h>i"}`, "a", "category: 9 levels"},
		{"image too long", `{"id":"a","title":"t","image":"` + strings.Repeat("x", 1025) + `"}`, "a", "image: longer than 1024 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			products, rejects, _ := readAll(t, strings.NewReader(tt.line+"\n"), FormatJSONL)
			if len(products) != 0 || len(rejects) != 1 {
				t.Fatalf("got %d products, %d rejects; want 1 reject", len(products), len(rejects))
			}
			rj := rejects[0]
			if rj.Line != 1 || rj.ID != tt.id || !strings.Contains(rj.Reason, tt.reason) {
				t.Errorf("got line %d id %q reason %q; want line 1 id %q reason containing %q", rj.Line, rj.ID, rj.Reason, tt.id, tt.reason)
			}
			if len(rj.Raw) > maxRawBytes || !strings.HasPrefix(tt.line, rj.Raw) {
				t.Errorf("raw %q is not a prefix of the line of at most %d bytes", rj.Raw, maxRawBytes)
			}
		})
	}
}

// mixedJSONL has good, blank, bad, duplicate and CRLF lines, a BOM and no
// final newline.
const mixedJSONL = "\uFEFF" + `{"id":"p1","title":"华为手机"}
{"id":"p2","title":"得力文件袋","price":"abc"}

{"id":"p3","title":"晨光中性笔"}
{not json}
{"id":"p1","title":"又是华为"}` + "\r\n" + `{"id":"p4","title":"兰蔻精华"}` + "\r\n" + `   ` + "\n" + `{"id":"p5","title":"无换行结尾"}`

func checkMixed(t *testing.T, products []models.Product, rejects []Reject, stats ImportStats) {
	t.Helper()
	var ids []string
	for _, p := range products {
		ids = append(ids, p.ID)
	}
	if want := []string{"p1", "p3", "p4", "p5"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("accepted %v, want %v", ids, want)
	}
	want := []Reject{
		{Line: 2, ID: "p2", Reason: `price: want a number, got "abc"`, Raw: `{"id":"p2","title":"得力文件袋","price":"abc"}`},
		{Line: 5, Reason: "invalid JSON: invalid character 'n' looking for beginning of object key string", Raw: `{not json}`},
		{Line: 6, ID: "p1", Reason: "duplicate id (first at line 1)", Raw: `{"id":"p1","title":"又是华为"}`},
	}
	if !reflect.DeepEqual(rejects, want) {
		t.Errorf("rejects\n got %+v\nwant %+v", rejects, want)
	}
	if want := (ImportStats{Lines: 9, Accepted: 4, Rejected: 3, Blank: 2}); stats != want {
		t.Errorf("stats %v, want %v", stats, want)
	}
}

func TestCatalogJSONLMixed(t *testing.T) {
	products, rejects, stats := readAll(t, strings.NewReader(mixedJSONL), FormatJSONL)
	checkMixed(t, products, rejects, stats)
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCatalogGzip(t *testing.T) {
	t.Run("jsonl", func(t *testing.T) {
		products, rejects, stats := readAll(t, bytes.NewReader(gzipped(t, mixedJSONL)), FormatJSONL)
		checkMixed(t, products, rejects, stats)
	})
	t.Run("csv", func(t *testing.T) {
		products, _, _ := readAll(t, iotest.OneByteReader(bytes.NewReader(gzipped(t, "id,title\nx,小米\n"))), FormatCSV)
		if len(products) != 1 || products[0].Title != "小米" {
			t.Errorf("got %+v", products)
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		data := gzipped(t, mixedJSONL)
		data[len(data)-5] ^= 0xff // break the checksum
		_, err := ReadCatalog(bytes.NewReader(data), FormatJSONL, nil, nil)
		if err == nil {
			t.Error("want an error for a corrupt gzip stream")
		}
	})
}

func TestCatalogLongLine(t *testing.T) {
	// pad builds a valid line of exactly n bytes.
	pad := func(id string, n int) string {
		head := `{"id":"` + id + `","title":"t"`
		return head + strings.Repeat(" ", n-len(head)-1) + "}"
	}
	input := strings.Join([]string{
		pad("max", maxLineBytes),
		pad("over", maxLineBytes+1),
		pad("way-over", 3*maxLineBytes),
		`{"id":"after","title":"t"}`,
	}, "\n") + "\n"
	products, rejects, _ := readAll(t, strings.NewReader(input), FormatJSONL)
	if len(products) != 2 || products[0].ID != "max" || products[1].ID != "after" {
		t.Errorf("accepted %d products, want max and after", len(products))
	}
	if len(rejects) != 2 {
		t.Fatalf("got %d rejects, want 2", len(rejects))
	}
	for i, rj := range rejects {
		if rj.Line != i+2 || !strings.HasPrefix(rj.Reason, "line too long") || len(rj.Raw) != maxRawBytes {
			t.Errorf("reject %d: line %d reason %q raw %d bytes", i, rj.Line, rj.Reason, len(rj.Raw))
		}
	}
}

func TestCatalogCSV(t *testing.T) {
	f, err := os.Open("testdata/catalog.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	products, rejects, stats := readAll(t, f, FormatCSV)
	want := []models.Product{
		{ID: "c1", Title: "华为 Mate 60 Pro 12GB+512GB 雅川青", Brand: "华为", Category: "手机数码>手机>智能手机",
			Attrs: map[string]string{"内存": "12GB", "颜色": "雅川青"}, Price: 6999, PromoPrice: 6499, PromoTag: "百亿补贴",
			Stock: 8, RegionStock: map[string]int64{"bj": 3, "sh": 5}, HasStock: true, Platform: models.PlatformSelf,
			Regions: []string{"bj", "sh"}, ListedAt: time.Date(2024, 4, 30, 16, 0, 0, 0, time.UTC)},
		{ID: "c2", Title: "得力 文件袋, A4 \"加厚\"\n多层", Price: 12.9, Stock: 0, HasStock: true},
		{ID: "c5", Title: "晨光中性笔", Sales30d: 100},
	}
	if !reflect.DeepEqual(products, want) {
		t.Errorf("products\n got %+v\nwant %+v", products, want)
	}
	wantRejects := []struct {
		line   int
		id     string
		reason string
	}{
		{5, "c3", `price: want a number, got "abc"`},
		{6, "c4", "malformed CSV record: 16 cells, header has 15"},
		{8, "c1", "duplicate id (first at line 2)"},
		{9, "c6", "attributes: want k=v pairs separated by |"},
		{10, "", "id: required"},
		{11, "c7", "malformed CSV record: 14 cells, header has 15"},
	}
	if len(rejects) != len(wantRejects) {
		t.Fatalf("got %d rejects %+v, want %d", len(rejects), rejects, len(wantRejects))
	}
	for i, w := range wantRejects {
		rj := rejects[i]
		if rj.Line != w.line || rj.ID != w.id || !strings.Contains(rj.Reason, w.reason) || rj.Raw == "" {
			t.Errorf("reject %d = %+v, want line %d id %q reason %q", i, rj, w.line, w.id, w.reason)
		}
	}
	if want := (ImportStats{Lines: 10, Accepted: 3, Rejected: 6, Blank: 1}); stats != want {
		t.Errorf("stats %v, want %v", stats, want)
	}
}

func TestCatalogCSVHeader(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"empty", "", "no header row"},
		{"no id", "title,price\nx,1\n", `missing column "id"`},
		{"no title", "ID,price\nx,1\n", `missing column "title"`},
		{"duplicate column", "id,title,Title\nx,y,z\n", `duplicate column "title"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCatalog(strings.NewReader(tt.input), FormatCSV, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || models.ErrorCode(err) != models.EINVALID {
				t.Errorf("err = %v, want an EINVALID error containing %q", err, tt.want)
			}
		})
	}
}

func TestCatalogCallbacksAndErrors(t *testing.T) {
	t.Run("nil callbacks", func(t *testing.T) {
		stats, err := ReadCatalog(strings.NewReader(mixedJSONL), FormatJSONL, nil, nil)
		if err != nil || stats.Accepted != 4 || stats.Rejected != 3 {
			t.Errorf("stats %v err %v", stats, err)
		}
	})
	t.Run("onProduct error stops", func(t *testing.T) {
		stop := errors.New("index full")
		n := 0
		stats, err := ReadCatalog(strings.NewReader(mixedJSONL), FormatJSONL, func(p models.Product) error {
			n++
			if p.ID == "p3" {
				return stop
			}
			return nil
		}, nil)
		if !errors.Is(err, stop) || n != 2 || stats.Lines != 4 {
			t.Errorf("err %v after %d products, stats %v", err, n, stats)
		}
	})
	t.Run("read error", func(t *testing.T) {
		r := io.MultiReader(strings.NewReader(`{"id":"a","title":"t"}`+"\n"), iotest.ErrReader(io.ErrClosedPipe))
		stats, err := ReadCatalog(r, FormatJSONL, nil, nil)
		if !errors.Is(err, io.ErrClosedPipe) || stats.Accepted != 1 {
			t.Errorf("err %v stats %v", err, stats)
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		if _, err := ReadCatalog(strings.NewReader(""), Format(9), nil, nil); models.ErrorCode(err) != models.EINVALID {
			t.Errorf("err %v", err)
		}
	})
}

func TestCatalogFormatFromPath(t *testing.T) {
	tests := []struct {
		path string
		want Format
	}{
		{"catalog.csv", FormatCSV},
		{"/data/CATALOG.CSV", FormatCSV},
		{"catalog.csv.gz", FormatCSV},
		{"catalog.jsonl", FormatJSONL},
		{"catalog.jsonl.gz", FormatJSONL},
		{"catalog.json", FormatJSONL},
		{"csv/catalog", FormatJSONL},
		{"", FormatJSONL},
	}
	for _, tt := range tests {
		if got := FormatFromPath(tt.path); got != tt.want {
			t.Errorf("FormatFromPath(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestCatalogValidateProduct(t *testing.T) {
	ok := func(edit func(*models.Product)) *models.Product {
		p := &models.Product{ID: "a", Title: "t"}
		edit(p)
		return p
	}
	tests := []struct {
		name string
		p    *models.Product
		want string // "" = valid
	}{
		{"valid", ok(func(*models.Product) {}), ""},
		{"full", ok(func(p *models.Product) {
			p.Price, p.PromoPrice, p.Stock, p.Impressions, p.Clicks = 10, 8, 3, 100, 100
			p.Platform, p.Regions, p.RegionStock = models.PlatformPOP, []string{"bj"}, map[string]int64{"bj": 3}
			p.Category, p.ListedAt = "数码>手机", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		}), ""},
		{"nil", nil, "product: missing"},
		{"blank id", ok(func(p *models.Product) { p.ID = " " }), "id: required"},
		{"id tab", ok(func(p *models.Product) { p.ID = "a\tb" }), "id: contains control"},
		{"id bad utf8", ok(func(p *models.Product) { p.ID = "a\xffb" }), "id: contains control characters or invalid UTF-8"},
		{"title bad utf8", ok(func(p *models.Product) { p.Title = "a\xff" }), "title: invalid UTF-8"},
		{"NaN price", ok(func(p *models.Product) { p.Price = math.NaN() }), "price: must be a finite number"},
		{"Inf amount", ok(func(p *models.Product) { p.SalesAmount30d = math.Inf(1) }), "sales_amount_30d: must be a finite number"},
		{"negative promo", ok(func(p *models.Product) { p.PromoPrice = -1 }), "promo_price: must be"},
		{"negative impressions", ok(func(p *models.Product) { p.Impressions = -1 }), "impressions: must be ≥ 0"},
		{"negative clicks", ok(func(p *models.Product) { p.Clicks = -1 }), "clicks: must be ≥ 0"},
		{"unknown platform", ok(func(p *models.Product) { p.Platform = "JD" }), `platform: want self or pop, got "JD"`},
		{"empty category level", ok(func(p *models.Product) { p.Category = "数码>>手机" }), "category: empty level"},
		{"empty region", ok(func(p *models.Product) { p.Regions = []string{""} }), "regions entry 1: empty"},
		{"empty attribute key", ok(func(p *models.Product) { p.Attrs = map[string]string{" ": "v"} }), `attributes: key " ": empty`},
		{"far future", ok(func(p *models.Product) { p.ListedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }), "listed_at: year 10000"},
		{"too early", ok(func(p *models.Product) { p.ListedAt = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC) }), "listed_at: year 1900"},
		{"long promo tag", ok(func(p *models.Product) { p.PromoTag = strings.Repeat("促", 101) }), "promo_tag: 101 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateProduct(tt.p)
			if tt.want == "" {
				if err != nil {
					t.Errorf("unexpected error %v", err)
				}
				return
			}
			var me *models.Error
			if !errors.As(err, &me) || me.Code != models.EINVALID || !strings.HasPrefix(me.Message, tt.want) {
				t.Errorf("err = %v, want EINVALID %q", err, tt.want)
			}
		})
	}
}

func TestCatalogDecodeProduct(t *testing.T) {
	p, err := DecodeProduct([]byte(`{"id":"a","title":" t ","price":"9.9","platform":"Tmall"}`))
	if err != nil || p.Title != "t" || p.Price != 9.9 || p.Platform != "" {
		t.Errorf("got %+v, %v", p, err)
	}
	for _, bad := range []string{``, `[]`, `{"id":"a"}`, `{"id":"a","title":"t","stock":-1}`} {
		if _, err := DecodeProduct([]byte(bad)); models.ErrorCode(err) != models.EINVALID {
			t.Errorf("DecodeProduct(%q) err = %v, want EINVALID", bad, err)
		}
	}
}

func TestCatalogWriteRejects(t *testing.T) {
	var b strings.Builder
	err := WriteRejects(&b, []Reject{
		{Line: 3, ID: "p<1>", Reason: "title: required", Raw: `{"id":"p<1>"}`},
		{Line: 7, Reason: "invalid JSON: x", Raw: "{\n"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"line":3,"id":"p<1>","reason":"title: required","raw":"{\"id\":\"p<1>\"}"}` + "\n" +
		`{"line":7,"id":"","reason":"invalid JSON: x","raw":"{\n"}` + "\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if err := WriteRejects(failWriter{}, []Reject{{Line: 1}}); err == nil {
		t.Error("want the write error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrShortWrite }

func TestCatalogImportStatsString(t *testing.T) {
	s := ImportStats{Lines: 72690, Accepted: 72687, Rejected: 3}
	if got, want := s.String(), "lines=72690 accepted=72687 rejected=3 blank=0"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCatalogRejectRawTruncation(t *testing.T) {
	line := `{"id":"a","title":"` + strings.Repeat("长", 200) + `","price":"x"}`
	_, rejects, _ := readAll(t, strings.NewReader(line), FormatJSONL)
	if len(rejects) != 1 {
		t.Fatalf("got %d rejects", len(rejects))
	}
	raw := rejects[0].Raw
	if len(raw) > maxRawBytes || len(raw) < maxRawBytes-3 || !strings.HasPrefix(line, raw) {
		t.Errorf("raw is %d bytes, want a UTF-8-safe prefix of at most %d", len(raw), maxRawBytes)
	}
}

func TestCatalogSharedTitles(t *testing.T) {
	const path = "../../shared/data/catalog/titles.jsonl"
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("shared data not found at " + path + ": skipping")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rejects []Reject
	stats, err := ReadCatalog(f, FormatJSONL, nil, func(rj Reject) { rejects = append(rejects, rj) })
	if err != nil {
		t.Fatal(err)
	}
	if stats.Accepted != 72687 || stats.Rejected != 0 {
		t.Errorf("stats %v, want 72687 accepted and 0 rejected; first rejects: %+v", stats, rejects[:min(3, len(rejects))])
	}
}

// An unclosed quote costs its own line, reported with its number, and the
// rows after it import (encoding/csv alone would take them all into one
// cell); so does a row with the wrong number of cells.
func TestCatalogCSVUnclosedQuote(t *testing.T) {
	for _, tc := range []struct {
		name, in    string
		accepted    []string
		rejectLines []int
		reason      string
	}{
		{"open to the end", "id,title,price\na,\"手机,1\nb,耳机,2\nc,充电器,3\n", []string{"b", "c"}, []int{2}, "unclosed quote"},
		{"closed rows later", "id,title,price\nx,好,1\na,\"手机,1\nb,耳机\",2\nc,充电器,3\n", []string{"x", "b", "c"}, []int{3}, "unclosed quote"},
		{"closed by a cell far below", "id,title,price\na,\"手机 1\nb,耳机,2\nc,\"充电器\",3\n", []string{"b", "c"}, []int{2}, "unclosed quote"},
		{"too few cells", "id,title,price\na,手机\nb,耳机,2\n", []string{"b"}, []int{2}, "2 cells, header has 3"},
		{"too many cells", "id,title,price\na,手机,1,9\nb,耳机,2\n", []string{"b"}, []int{2}, "4 cells, header has 3"},
		{"a quoted cell over lines", "id,title,price\na,\"手机\n壳\",1\nb,耳机,2\n", []string{"a", "b"}, nil, ""},
		{"crlf", "id,title,price\r\na,\"手机\r\n壳\",1\r\nb,\"耳机,2\r\nc,线,3\r\n", []string{"a", "c"}, []int{4}, "unclosed quote"},
		{"bare quotes are text", "id,title,price\na,5\" 屏 \"大\",1\nb,耳机,2\n", []string{"a", "b"}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			products, rejects, stats := readAll(t, strings.NewReader(tc.in), FormatCSV)
			var got []string
			for _, p := range products {
				got = append(got, p.ID)
			}
			var lines []int
			for _, r := range rejects {
				lines = append(lines, r.Line)
				if !strings.Contains(r.Reason, tc.reason) || r.Raw == "" {
					t.Errorf("reject %+v, want reason %q and the raw line", r, tc.reason)
				}
			}
			if !slices.Equal(got, tc.accepted) || !slices.Equal(lines, tc.rejectLines) {
				t.Errorf("accepted %v rejected lines %v, want %v and %v (%v)", got, lines, tc.accepted, tc.rejectLines, stats)
			}
			if stats.Lines != stats.Accepted+stats.Rejected+stats.Blank {
				t.Errorf("stats %v do not add up", stats)
			}
		})
	}
	if _, err := ReadCatalog(strings.NewReader("id,\"title\n"), FormatCSV, nil, nil); err == nil || !strings.Contains(err.Error(), "unclosed quote") {
		t.Errorf("unclosed quote in the header: %v", err)
	}
}
