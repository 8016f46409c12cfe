package indexer

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shopsearch/models"
)

func ptr[T any](v T) *T { return &v }

func TestDecodePatchGood(t *testing.T) {
	listed := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want models.ProductPatch
	}{
		{`{"stock": 3}`, models.ProductPatch{Stock: ptr[int64](3)}},
		{`{"stock": "0"}`, models.ProductPatch{Stock: ptr[int64](0)}},
		{`{"stock": 12.0}`, models.ProductPatch{Stock: ptr[int64](12)}},
		{`{"price": "12.5", "promo_price": 9.9}`, models.ProductPatch{Price: ptr(12.5), PromoPrice: ptr(9.9)}},
		{`{"promo_price": 0, "promo_tag": ""}`, models.ProductPatch{PromoPrice: ptr(0.0), PromoTag: ptr("")}},
		{`{"promo_tag": " 满300减40 "}`, models.ProductPatch{PromoTag: ptr("满300减40")}},
		{`{"region_stock": {"bj": 3, " sh ": "0"}}`, models.ProductPatch{RegionStock: map[string]int64{"bj": 3, "sh": 0}}},
		{`{"stock": {"total": 9, "regions": {"bj": 4}}}`, models.ProductPatch{Stock: ptr[int64](9), RegionStock: map[string]int64{"bj": 4}}},
		{`{"stock": {"regions": {"bj": 4}}}`, models.ProductPatch{RegionStock: map[string]int64{"bj": 4}}},
		{`{"sales_30d": 100, "sales_amount_30d": "1234.5", "impressions": 1000, "clicks": 1000}`,
			models.ProductPatch{Sales30d: ptr[int64](100), SalesAmount30d: ptr(1234.5), Impressions: ptr[int64](1000), Clicks: ptr[int64](1000)}},
		{`{"clicks": 5}`, models.ProductPatch{Clicks: ptr[int64](5)}},
		{`{"listed_at": "2025-03-01T02:00:00Z"}`, models.ProductPatch{ListedAt: &listed}},
		{`{"listed_at": "2025-03-01 10:00:00"}`, models.ProductPatch{ListedAt: &listed}}, // China time
		{`{"listed_at": 1740794400}`, models.ProductPatch{ListedAt: &listed}},
		{`{"platform": "自营"}`, models.ProductPatch{Platform: ptr(models.PlatformSelf)}},
		{`{"platform": "POP"}`, models.ProductPatch{Platform: ptr(models.PlatformPOP)}},
	} {
		got, err := DecodePatch([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !samePatch(got, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, show(got), show(tc.want))
		}
	}
}

func samePatch(a, b models.ProductPatch) bool {
	if (a.ListedAt == nil) != (b.ListedAt == nil) || a.ListedAt != nil && !a.ListedAt.Equal(*b.ListedAt) {
		return false
	}
	a.ListedAt, b.ListedAt = nil, nil
	return show(a) == show(b)
}

func show(p models.ProductPatch) string {
	b, _ := json.Marshal(p)
	return string(b)
}

func TestDecodePatchRejects(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Fields that are not patchable, text ones first.
		{`{"title": "新标题"}`, "title cannot be patched; upsert the item to change text fields"},
		{`{"brand": "华为", "stock": 1}`, "brand cannot be patched; upsert the item to change text fields"},
		{`{"category": "a>b"}`, "category cannot be patched"},
		{`{"subtitle": "x"}`, "subtitle cannot be patched"},
		{`{"attributes": {"颜色": "红"}}`, "attributes cannot be patched"},
		{`{"product_word": "手机"}`, "product_word cannot be patched"},
		{`{"id": "p1", "stock": 1}`, "id cannot be patched"},
		{`{"regions": ["bj"]}`, "regions cannot be patched; upsert the item to change it"},
		{`{"shop_id": "s1"}`, "shop_id cannot be patched"},
		{`{"image": "https://x/y.jpg"}`, "image cannot be patched"},
		{`{"stock_known": true}`, "stock_known cannot be patched"},
		{`{"stok": 1}`, `unknown field "stok"; a patch may hold stock, region_stock, price`},
		// Not a patch at all.
		{`{}`, "empty patch: give at least one of stock, region_stock"},
		{`[{"stock": 1}]`, "want an object, got an array"},
		{`{"stock": 1`, "invalid JSON"},
		{``, "invalid JSON"},
		// Wrong types and values, field by field.
		{`{"stock": null}`, "stock: null is not a value"},
		{`{"stock": ""}`, "stock: empty value"},
		{`{"stock": -1}`, "stock: must be ≥ 0, got -1"},
		{`{"stock": 1.5}`, `stock: want an integer, got a number`},
		{`{"stock": "many"}`, `stock: want an integer, got "many"`},
		{`{"stock": true}`, "stock: want a number, got a boolean"},
		{`{"stock": {}}`, "stock: empty object"},
		{`{"stock": {"total": -2}}`, "stock: total: must be ≥ 0, got -2"},
		{`{"stock": {"total": 1, "bj": 2}}`, `stock: unknown field "bj"`},
		{`{"stock": {"total": null}}`, "stock: total: empty value"},
		{`{"stock": {"regions": {"bj": 1}}, "region_stock": {"sh": 1}}`, "region stock given twice"},
		{`{"stock": [1]}`, "stock: want a number, got an array"},
		{`{"region_stock": {}}`, "region_stock: empty object"},
		{`{"region_stock": {"bj": -1}}`, "region_stock: bj must be ≥ 0, got -1"},
		{`{"region_stock": {"bj": 1.5}}`, "region_stock: bj: want an integer"},
		{`{"region_stock": {"bj": null}}`, "region_stock: bj: empty value"},
		{`{"region_stock": {" ": 1}}`, "region_stock: empty region code"},
		{`{"region_stock": {"` + strings.Repeat("x", 40) + `": 1}}`, "region_stock: key \"xxxx"},
		{`{"region_stock": [1]}`, "region_stock: want an object, got an array"},
		{`{"region_stock": 5}`, "region_stock: want an object, got a number"},
		{`{"price": -0.01}`, "price: must be ≥ 0, got -0.01"},
		{`{"price": "NaN"}`, `price: want a finite number, got "NaN"`},
		{`{"price": "Infinity"}`, `price: want a finite number`},
		{`{"price": 1e400}`, `price: want a finite number`},
		{`{"price": "12,5"}`, `price: want a number, got "12,5"`},
		{`{"price": {}}`, `price: want a number, got an object`},
		{`{"promo_price": -1}`, "promo_price: must be ≥ 0"},
		{`{"promo_price": "NaN"}`, "promo_price: want a finite number"},
		{`{"price": 10, "promo_price": 12}`, "promo_price: 12 is above the price 10"},
		{`{"promo_tag": null}`, "promo_tag: null is not a value"},
		{`{"promo_tag": true}`, "promo_tag: want a string, got a boolean"},
		{`{"promo_tag": "` + strings.Repeat("促", 101) + `"}`, "promo_tag: 101 characters, at most 100 allowed"},
		{`{"sales_30d": -5}`, "sales_30d: must be ≥ 0, got -5"},
		{`{"sales_30d": "1e30"}`, "sales_30d: want an integer"},
		{`{"sales_amount_30d": -5}`, "sales_amount_30d: must be ≥ 0"},
		{`{"sales_amount_30d": "NaN"}`, "sales_amount_30d: want a finite number"},
		{`{"impressions": -1}`, "impressions: must be ≥ 0"},
		{`{"clicks": -1}`, "clicks: must be ≥ 0"},
		{`{"clicks": 11, "impressions": 10}`, "clicks: 11 exceeds impressions 10"},
		{`{"listed_at": "yesterday"}`, `listed_at: want an RFC 3339 time`},
		{`{"listed_at": ""}`, "listed_at: empty value"},
		{`{"listed_at": -1}`, "listed_at: unix seconds out of range"},
		{`{"listed_at": "0001-01-01T00:00:00Z"}`, "listed_at: year 1 out of range"},
		{`{"listed_at": false}`, "listed_at: want a date or unix seconds, got a boolean"},
		{`{"platform": "tmall"}`, `platform: want self or pop, got "tmall"`},
		{`{"platform": ""}`, "platform: empty value"},
		{`{"platform": 1}`, `platform: want self or pop, got "1"`},
		{`{"platform": ["self"]}`, "platform: want a string, got an array"},
	} {
		_, err := DecodePatch([]byte(tc.in))
		var me *models.Error
		if !errors.As(err, &me) || me.Code != models.EINVALID {
			t.Errorf("%s: error %v, want an EINVALID *models.Error", tc.in, err)
			continue
		}
		if !strings.Contains(me.Message, tc.want) {
			t.Errorf("%s:\n got %q\nwant it to contain %q", tc.in, me.Message, tc.want)
		}
	}
}

func TestDecodeUpdate(t *testing.T) {
	id, pt, err := DecodeUpdate([]byte(`{"id": "p1", "stock": 3, "price": 99.9}`))
	if err != nil || id != "p1" || *pt.Stock != 3 || *pt.Price != 99.9 {
		t.Fatalf("got %q %s %v", id, show(pt), err)
	}
	// Ids are JSON strings: a number is refused rather than coerced.
	if _, _, err := DecodeUpdate([]byte(`{"id": 1001, "stock": 3}`)); err == nil || !strings.Contains(err.Error(), "id: want a string, got a number") {
		t.Errorf("numeric id: %v", err)
	}
	for _, tc := range []struct{ in, id, want string }{
		{`{"stock": 3}`, "", "id: required"},
		{`{"id": " ", "stock": 3}`, "", "id: required"},
		{`{"id": null, "stock": 3}`, "", "id: want a string, got null"},
		{`{"id": "p1"}`, "p1", "empty patch"},
		{`{"id": "p1", "title": "x"}`, "p1", "title cannot be patched"},
		{`{"id": "p1", "stock": -1}`, "p1", "stock: must be ≥ 0"},
		{`{"id": "` + strings.Repeat("x", 200) + `", "stock": 1}`, strings.Repeat("x", 128), "id: longer than 128 bytes"},
		{`7`, "", "want an object, got a number"},
	} {
		id, _, err := DecodeUpdate([]byte(tc.in))
		if err == nil || !strings.Contains(models.ErrorMessage(err), tc.want) || models.ErrorCode(err) != models.EINVALID || id != tc.id {
			t.Errorf("%.60s: id %q, error %v; want id %q and %q", tc.in, id, err, tc.id, tc.want)
		}
	}
}

func TestPatchProduct(t *testing.T) {
	base := models.Product{ID: "p1", Title: "t", Price: 100, PromoPrice: 80, PromoTag: "秒杀", Stock: 7, HasStock: true,
		RegionStock: map[string]int64{"bj": 3, "sh": 4}, Impressions: 100, Clicks: 10}
	orig := maps.Clone(base.RegionStock)

	// Region stock: the given regions are replaced, the others kept, the
	// total is their sum; the input's map is untouched.
	p, err := PatchProduct(base, models.ProductPatch{RegionStock: map[string]int64{"sh": 0, "gz": 5}})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(p.RegionStock, map[string]int64{"bj": 3, "sh": 0, "gz": 5}) || p.Stock != 8 || !p.HasStock {
		t.Errorf("region patch: %v total %d", p.RegionStock, p.Stock)
	}
	if !maps.Equal(base.RegionStock, orig) {
		t.Errorf("the input's region stock changed: %v", base.RegionStock)
	}
	// A given total wins over the sum.
	if p, _ := PatchProduct(base, models.ProductPatch{Stock: ptr[int64](50), RegionStock: map[string]int64{"bj": 1}}); p.Stock != 50 || p.RegionStock["bj"] != 1 {
		t.Errorf("stock and regions: %d %v", p.Stock, p.RegionStock)
	}
	// Stock alone keeps the regions as they are.
	if p, _ := PatchProduct(base, models.ProductPatch{Stock: ptr[int64](0)}); p.Stock != 0 || !maps.Equal(p.RegionStock, orig) {
		t.Errorf("stock alone: %d %v", p.Stock, p.RegionStock)
	}
	// Unknown stock becomes known.
	if p, _ := PatchProduct(models.Product{ID: "x", Title: "t"}, models.ProductPatch{Stock: ptr[int64](0)}); !p.HasStock || p.Stock != 0 {
		t.Errorf("stock_known not set: %+v", p)
	}
	// The other fields, and that nothing else moves.
	listed := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	all := models.ProductPatch{Price: ptr(90.0), PromoPrice: ptr(0.0), PromoTag: ptr(""), Sales30d: ptr[int64](5),
		SalesAmount30d: ptr(450.0), Impressions: ptr[int64](200), Clicks: ptr[int64](20), ListedAt: &listed, Platform: ptr(models.PlatformSelf)}
	p, err = PatchProduct(base, all)
	if err != nil {
		t.Fatal(err)
	}
	want := base
	want.Price, want.PromoPrice, want.PromoTag, want.Sales30d, want.SalesAmount30d = 90, 0, "", 5, 450
	want.Impressions, want.Clicks, want.ListedAt, want.Platform = 200, 20, listed, models.PlatformSelf
	if show2(p) != show2(want) {
		t.Errorf("all fields:\n got %s\nwant %s", show2(p), show2(want))
	}

	for _, tc := range []struct {
		patch models.ProductPatch
		want  string
	}{
		{models.ProductPatch{PromoPrice: ptr(120.0)}, "promo_price: 120 is above the price 100"},
		{models.ProductPatch{Price: ptr(50.0)}, "promo_price: 80 is above the price 50"},
		{models.ProductPatch{Impressions: ptr[int64](5)}, "clicks: 10 exceeds impressions 5"},
		{models.ProductPatch{Clicks: ptr[int64](101)}, "clicks: 101 exceeds impressions 100"},
		{models.ProductPatch{Stock: ptr[int64](-1)}, "stock: must be ≥ 0"},
		{models.ProductPatch{RegionStock: map[string]int64{"a": 1 << 62, "b": 1 << 62, "c": 1 << 62}}, "region_stock: the total of the regions overflows"},
		{models.ProductPatch{Platform: ptr(models.Platform("tmall"))}, "platform: want self or pop"},
	} {
		got, err := PatchProduct(base, tc.patch)
		if err == nil || models.ErrorCode(err) != models.EINVALID || !strings.Contains(models.ErrorMessage(err), tc.want) {
			t.Errorf("%s: error %v, want %q", show(tc.patch), err, tc.want)
		}
		if show2(got) != show2(base) {
			t.Errorf("%s: a rejected patch returned a changed product", show(tc.patch))
		}
	}
	// A product whose promotion price is already above its price (the
	// importer accepts it) can still be patched in other ways.
	odd := base
	odd.PromoPrice = 150
	if _, err := PatchProduct(odd, models.ProductPatch{Stock: ptr[int64](1)}); err != nil {
		t.Errorf("stock patch of an item with promo > price: %v", err)
	}
	many := models.ProductPatch{RegionStock: map[string]int64{}}
	for i := range 70 {
		many.RegionStock[string(rune('A'+i))] = 1
	}
	if _, err := PatchProduct(base, many); err == nil || !strings.Contains(err.Error(), "at most 64") {
		t.Errorf("too many regions: %v", err)
	}
}

func show2(p models.Product) string {
	b, _ := json.Marshal(p)
	return string(b)
}

func byID(products []models.Product) map[string]models.Product {
	m := map[string]models.Product{}
	for _, p := range products {
		m[p.ID] = p
	}
	return m
}

func TestPatchSurvivesReopenInOrder(t *testing.T) {
	dir := t.TempDir()
	if _, err := Build(dir, sampleProducts(), BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, _, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(cat.Patch([]string{"a1", "a2"}, []models.ProductPatch{{Price: ptr(3299.0), Stock: ptr[int64](5)}, {Price: ptr(7999.0)}}))
	// A patch, then an upsert of the same item: the upsert replaces it all.
	must(cat.Patch([]string{"a3"}, []models.ProductPatch{{Price: ptr(99.0)}}))
	must(cat.Upsert([]models.Product{{ID: "a3", Title: "罗技 无线鼠标 M330"}}))
	// A patch after an upsert applies to the new item.
	must(cat.Upsert([]models.Product{{ID: "a4", Title: "美的 电饭煲", Price: 299}}))
	must(cat.Patch([]string{"a4"}, []models.ProductPatch{{PromoPrice: ptr(259.0), RegionStock: map[string]int64{"bj": 2, "sh": 1}}}))
	// Patches of a deleted item and of an unknown one are skipped, and a
	// re-upserted item does not get the patches sent while it was deleted.
	must(cat.Delete([]string{"a2"}))
	must(cat.Patch([]string{"a2", "nope"}, []models.ProductPatch{{Price: ptr(1.0)}, {Price: ptr(1.0)}}))
	must(cat.Upsert([]models.Product{{ID: "a2", Title: "Apple iPhone 15 Pro 256GB 黑色钛金属", Price: 8999}}))
	// Two patches of one item in one call apply in order.
	must(cat.Patch([]string{"a1", "a1"}, []models.ProductPatch{{Sales30d: ptr[int64](1)}, {Sales30d: ptr[int64](2), Stock: ptr[int64](4)}}))
	// A patch never reaches the index: no document for "nope".
	if n, _ := cat.Index().DocCount(); n != 4 {
		t.Errorf("index holds %d documents, want 4", n)
	}
	must(cat.Close())

	cat, products, err := Open(dir, nil)
	must(err)
	defer cat.Close()
	got := byID(products)
	if len(products) != 4 {
		t.Fatalf("got %d products: %v", len(products), got)
	}
	if p := got["a1"]; p.Price != 3299 || p.Stock != 4 || !p.HasStock || p.Sales30d != 2 || p.Title != sampleProducts()[0].Title {
		t.Errorf("a1: %+v", p)
	}
	if p := got["a2"]; p.Price != 8999 {
		t.Errorf("a2 (patched while deleted, then upserted): %+v", p)
	}
	if p := got["a3"]; p.Price != 0 || p.Title != "罗技 无线鼠标 M330" {
		t.Errorf("a3 (patched, then upserted): %+v", p)
	}
	if p := got["a4"]; p.Price != 299 || p.PromoPrice != 259 || p.Stock != 3 || !p.HasStock || p.RegionStock["bj"] != 2 {
		t.Errorf("a4: %+v", p)
	}
	if n, _ := cat.Index().DocCount(); n != 4 {
		t.Errorf("after replay the index holds %d documents, want 4", n)
	}
	if count(t, cat.Index(), "m330") != 1 || count(t, cat.Index(), "电饭煲") != 1 {
		t.Errorf("upserts not replayed into the index")
	}

	// The log holds one line per patch, in the documented shape.
	data, err := os.ReadFile(filepath.Join(cat.Dir(), changesFile))
	must(err)
	if !strings.Contains(string(data), `{"op":"patch","id":"a1","patch":{"stock":5,"price":3299}}`+"\n") {
		t.Errorf("log lines:\n%s", data)
	}
	if n := strings.Count(string(data), `"op":"patch"`); n != 8 {
		t.Errorf("%d patch lines, want 8", n)
	}
}

func TestPatchTornLineIsDroppedAndLogStaysAppendable(t *testing.T) {
	dir := t.TempDir()
	if _, err := Build(dir, sampleProducts(), BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, _, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Patch([]string{"a1"}, []models.ProductPatch{{Stock: ptr[int64](5)}}); err != nil {
		t.Fatal(err)
	}
	gen := cat.Dir()
	cat.Close()
	// A crash in the middle of an append leaves a line without its newline.
	f, err := os.OpenFile(filepath.Join(gen, changesFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"op":"patch","id":"a1","patch":{"stock":`)
	f.Close()

	cat, products, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := byID(products)["a1"]; p.Stock != 5 {
		t.Fatalf("a1 stock %d, want 5 (torn line dropped)", p.Stock)
	}
	// Writes after the recovery start on a line of their own.
	if err := cat.Patch([]string{"a2"}, []models.ProductPatch{{Stock: ptr[int64](9)}}); err != nil {
		t.Fatal(err)
	}
	cat.Close()
	cat, products, err = Open(dir, nil)
	if err != nil {
		t.Fatalf("reopen after a write that followed a torn line: %v", err)
	}
	defer cat.Close()
	if got := byID(products); got["a1"].Stock != 5 || got["a2"].Stock != 9 {
		t.Errorf("after the second reopen: a1 %d a2 %d", got["a1"].Stock, got["a2"].Stock)
	}
}

func TestPatchCorruptLineFailsOpen(t *testing.T) {
	dir := t.TempDir()
	if _, err := Build(dir, sampleProducts(), BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, _, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	gen := cat.Dir()
	cat.Close()
	if err := os.WriteFile(filepath.Join(gen, changesFile), []byte(`{"op":"patch","id":"a1"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(dir, nil); err == nil || !strings.Contains(err.Error(), "line 1: corrupt change") {
		t.Errorf("open with a patch line without a patch: %v", err)
	}
}

func TestCatalogPatchArguments(t *testing.T) {
	dir := t.TempDir()
	if _, err := Build(dir, sampleProducts(), BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, _, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if err := cat.Patch([]string{"a1"}, nil); err == nil {
		t.Errorf("mismatched lengths accepted")
	}
	if err := cat.Patch(nil, nil); err != nil {
		t.Errorf("empty patch: %v", err)
	}
}
