package rank

import (
	"reflect"
	"testing"
	"time"

	"shopsearch/models"
)

func TestProductEncodingRoundTrip(t *testing.T) {
	cst := time.FixedZone("", 8*3600)
	for name, p := range map[string]models.Product{
		"zero":  {},
		"id":    {ID: "a"},
		"empty": {ID: "b", Attrs: map[string]string{}, RegionStock: map[string]int64{}, Regions: []string{}},
		"full": {ID: "sku-1", Title: "华为 Mate 60 Pro 12+512G 雅川青", Subtitle: "卫星通话", Brand: "华为/HUAWEI",
			Category: "数码>手机>智能手机", Attrs: map[string]string{"颜色": "雅川青", "内存": "512G"},
			Price: 6999, PromoPrice: 6499.5, PromoTag: "满减", Stock: 12, HasStock: true,
			RegionStock: map[string]int64{"bj": 3, "sh": 0, "gz": -1}, Sales30d: 1 << 40, SalesAmount30d: 1.25e9,
			Impressions: 99, Clicks: 7, Platform: models.PlatformSelf, ShopID: "s9", Regions: []string{"bj", "sh"},
			ListedAt: time.Date(2026, 11, 11, 0, 0, 0, 5, cst), Image: "https://img/x.jpg", ProductWord: "手机"},
		"utc": {ID: "c", ListedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Stock: -1},
	} {
		var got models.Product
		decodeProduct(encodeProduct(&p), &got)
		got.ID = p.ID // kept apart
		if !p.ListedAt.Equal(got.ListedAt) {
			t.Errorf("%s: listed %v, want %v", name, got.ListedAt, p.ListedAt)
		}
		_, wantOff := p.ListedAt.Zone()
		if _, off := got.ListedAt.Zone(); off != wantOff {
			t.Errorf("%s: offset %d, want %d", name, off, wantOff)
		}
		got.ListedAt, p.ListedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("%s: decoded\n%+v\nwant\n%+v", name, got, p)
		}
	}
}

func TestProductColumnKeepsOldReads(t *testing.T) {
	s := NewStore([]models.Product{{ID: "x", Title: "旧标题", Brand: "甲"}}, nil)
	old, _ := s.Get("x")
	s.Put(models.Product{ID: "x", Title: "新标题", Brand: "乙"})
	now, _ := s.Get("x")
	if old.Title != "旧标题" || now.Title != "新标题" || now.Brand != "乙" {
		t.Fatalf("old %q, now %q %q", old.Title, now.Title, now.Brand)
	}
	if s.products.id(0) != "x" {
		t.Fatalf("id = %q", s.products.id(0))
	}
}

func BenchmarkProductDecode(b *testing.B) {
	p := models.Product{ID: "sku-1", Title: "华为 Mate 60 Pro 12+512G 雅川青", Brand: "华为/HUAWEI",
		Category: "数码>手机>智能手机", Price: 6999, Stock: 12, HasStock: true,
		RegionStock: map[string]int64{"bj": 3, "sh": 0}, Regions: []string{"bj", "sh"}, ListedAt: time.Now()}
	blob := encodeProduct(&p)
	b.ReportAllocs()
	for b.Loop() {
		var got models.Product
		decodeProduct(blob, &got)
	}
}
