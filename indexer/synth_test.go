package indexer

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"testing"
	"time"

	"shopsearch/models"
)

var synthNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

var synthTitles = []string{
	"华为 Mate 60 Pro 智能手机", "小米手机壳 硅胶防摔", "晨光中性笔芯 0.5mm 黑色 20支", "兰蔻小黑瓶精华 30ml",
	"海尔 变频空调 1.5匹", "三只松鼠 零食大礼包", "得力文件袋 A4", "耐克 跑步鞋 男",
}

func synthProducts(n int) []models.Product {
	ps := make([]models.Product, n)
	for i := range ps {
		ps[i] = models.Product{ID: fmt.Sprintf("p%06d", i), Title: synthTitles[i%len(synthTitles)]}
		if i%3 == 0 {
			ps[i].Brand = "品牌" + fmt.Sprint(i%17)
		}
	}
	return ps
}

func TestSynthDeterministic(t *testing.T) {
	base := synthProducts(300)
	forward := slices.Clone(base)
	for i := range forward {
		Synthesize(&forward[i], 42, synthNow)
	}
	backward := slices.Clone(base)
	for i := len(backward) - 1; i >= 0; i-- {
		Synthesize(&backward[i], 42, synthNow)
	}
	for i := range forward {
		if !reflect.DeepEqual(forward[i], backward[i]) {
			t.Fatalf("%s differs with call order:\n%+v\n%+v", forward[i].ID, forward[i], backward[i])
		}
	}
	again := base[7]
	Synthesize(&again, 42, synthNow)
	Synthesize(&again, 42, synthNow) // a second call changes nothing
	if !reflect.DeepEqual(again, forward[7]) {
		t.Errorf("second Synthesize changed the product:\n%+v\n%+v", again, forward[7])
	}
	otherSeed := base[7]
	Synthesize(&otherSeed, 43, synthNow)
	if reflect.DeepEqual(otherSeed, forward[7]) {
		t.Error("another seed gave the same product")
	}
}

func TestSynthRanges(t *testing.T) {
	const n = 10000
	ps := synthProducts(n)
	var outOfStock, lowStock, self, promo, recent int
	var sales []int64
	shopRe := regexp.MustCompile(`^shop-\d{4}$`)
	for i := range ps {
		p := &ps[i]
		Synthesize(p, 7, synthNow)
		if err := ValidateProduct(p); err != nil {
			t.Fatalf("%s invalid after Synthesize: %v", p.ID, err)
		}
		if p.Price <= 0 {
			t.Fatalf("%s price %v", p.ID, p.Price)
		}
		if p.PromoPrice > 0 {
			promo++
			if p.PromoPrice >= p.Price || p.PromoPrice < 0.5*p.Price || !slices.Contains(promoTags, p.PromoTag) {
				t.Errorf("%s promo %v (%s) for price %v", p.ID, p.PromoPrice, p.PromoTag, p.Price)
			}
		}
		switch {
		case p.Stock == 0:
			outOfStock++
		case p.Stock <= 5:
			lowStock++
		case p.Stock < 10 || p.Stock > 2000:
			t.Errorf("%s stock %d", p.ID, p.Stock)
		}
		if !p.HasStock {
			t.Errorf("%s: HasStock not set", p.ID)
		}
		checkRegions(t, p)
		switch p.Platform {
		case models.PlatformSelf:
			self++
			if p.ShopID != "self" {
				t.Errorf("%s self item in shop %q", p.ID, p.ShopID)
			}
		case models.PlatformPOP:
			if !shopRe.MatchString(p.ShopID) {
				t.Errorf("%s shop %q", p.ID, p.ShopID)
			}
		default:
			t.Errorf("%s platform %q", p.ID, p.Platform)
		}
		if p.Clicks > p.Impressions || p.Clicks < p.Sales30d || p.Impressions < 50*p.Sales30d {
			t.Errorf("%s sales %d impressions %d clicks %d", p.ID, p.Sales30d, p.Impressions, p.Clicks)
		}
		if want := float64(p.Sales30d) * p.EffectivePrice(); p.SalesAmount30d < 0.84*want || p.SalesAmount30d > 1.03*want {
			t.Errorf("%s amount %v for %d × %v", p.ID, p.SalesAmount30d, p.Sales30d, p.EffectivePrice())
		}
		age := synthNow.Sub(p.ListedAt)
		if age < 0 || age > 365*24*time.Hour {
			t.Errorf("%s listed %v", p.ID, p.ListedAt)
		}
		if age < 14*24*time.Hour {
			recent++
		}
		sales = append(sales, p.Sales30d)
	}
	shares := []struct {
		name     string
		count    int
		min, max float64
	}{
		{"out of stock", outOfStock, 0.05, 0.09},
		{"low stock", lowStock, 0.08, 0.12},
		{"self-run", self, 0.32, 0.38},
		{"on promotion", promo, 0.22, 0.28},
		{"listed in the last 14 days", recent, 0.06, 0.10},
	}
	for _, s := range shares {
		if f := float64(s.count) / n; f < s.min || f > s.max {
			t.Errorf("%s share %.3f, want %.2f–%.2f", s.name, f, s.min, s.max)
		}
	}
	sort.Slice(sales, func(i, j int) bool { return sales[i] < sales[j] })
	if median, top := sales[n/2], sales[n-1]; median > 50 || top < 1000 {
		t.Errorf("sales median %d, max %d: want many small and a few in the thousands", median, top)
	}
}

func checkRegions(t *testing.T, p *models.Product) {
	t.Helper()
	lo := 1
	if p.Platform == models.PlatformSelf {
		lo = 4
	}
	if len(p.Regions) < lo || len(p.Regions) > len(DemoRegions) {
		t.Errorf("%s (%s) delivers to %d regions", p.ID, p.Platform, len(p.Regions))
	}
	var sum int64
	for _, r := range p.Regions {
		if !slices.ContainsFunc(DemoRegions, func(d struct{ Code, Name string }) bool { return d.Code == r }) {
			t.Errorf("%s: unknown region %q", p.ID, r)
		}
		sum += p.RegionStock[r]
	}
	if len(p.RegionStock) != len(p.Regions) || sum != p.Stock {
		t.Errorf("%s: region stock %v over %v does not sum to %d", p.ID, p.RegionStock, p.Regions, p.Stock)
	}
}

func TestSynthPriceByKeyword(t *testing.T) {
	tests := []struct {
		title    string
		min, max float64 // bounds of the median price
	}{
		{"华为 Mate 60 Pro 智能手机", 1000, 4000},
		{"小米手机壳 硅胶防摔", 10, 50},
		{"晨光中性笔芯 0.5mm", 5, 30},
		{"兰蔻面霜 50ml", 100, 600},
		{"海尔 变频空调 1.5匹", 1500, 6000},
		{"某某神秘商品", 40, 160},
	}
	for _, tt := range tests {
		prices := make([]float64, 501)
		for i := range prices {
			p := models.Product{ID: fmt.Sprint(i), Title: tt.title}
			Synthesize(&p, 1, synthNow)
			prices[i] = p.Price
			if cents := int(p.Price*100+0.5) % 100; cents != 0 && cents != 90 {
				t.Errorf("%q: price %v is neither whole nor x.90", tt.title, p.Price)
			}
		}
		slices.Sort(prices)
		if m := prices[len(prices)/2]; m < tt.min || m > tt.max {
			t.Errorf("%q: median price %v, want %v–%v", tt.title, m, tt.min, tt.max)
		}
	}
}

func TestSynthKeepsSourceFields(t *testing.T) {
	listed := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		in   models.Product
	}{
		{"everything set", models.Product{
			ID: "x1", Title: "华为手机", Brand: "华为", Category: "数码>手机", Price: 1234, PromoPrice: 999, PromoTag: "秒杀",
			Stock: 4, RegionStock: map[string]int64{"hz": 4}, HasStock: true, Sales30d: 3, SalesAmount30d: 10, Impressions: 50,
			Clicks: 5, Platform: models.PlatformSelf, ShopID: "jd-self", Regions: []string{"hz"}, ListedAt: listed,
		}},
		{"stock said zero", models.Product{ID: "x2", Title: "缺货商品", HasStock: true, Price: 5}},
		{"only clicks", models.Product{ID: "x3", Title: "点击很多", Clicks: 100000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.in
			p.RegionStock = maps.Clone(tt.in.RegionStock)
			p.Regions = slices.Clone(tt.in.Regions)
			Synthesize(&p, 9, synthNow)
			in, got := reflect.ValueOf(tt.in), reflect.ValueOf(p)
			for i := range in.NumField() {
				if !in.Field(i).IsZero() && !reflect.DeepEqual(in.Field(i).Interface(), got.Field(i).Interface()) {
					t.Errorf("%s changed from %v to %v", in.Type().Field(i).Name, in.Field(i), got.Field(i))
				}
			}
			if err := ValidateProduct(&p); err != nil {
				t.Errorf("invalid after Synthesize: %v", err)
			}
		})
	}
}

// TestDemoCatalog lives here because the demo exists to be synthesised.
func TestDemoCatalog(t *testing.T) {
	var products []models.Product
	var rejects []Reject
	stats, err := ReadCatalog(DemoCatalog(), FormatJSONL,
		func(p models.Product) error { products = append(products, p); return nil },
		func(rj Reject) { rejects = append(rejects, rj) })
	if err != nil {
		t.Fatal(err)
	}
	if stats.Accepted < 3000 || stats.Rejected != 0 {
		t.Fatalf("stats %v, want ≥ 3000 accepted and no rejects; first rejects %+v", stats, rejects[:min(3, len(rejects))])
	}
	for i := range products {
		p := &products[i]
		if p.Category == "" {
			t.Errorf("%s has no category", p.ID)
		}
		if p.Price != 0 || p.HasStock || p.Platform != "" {
			t.Errorf("%s carries commercial fields before Synthesize: %+v", p.ID, p)
		}
		Synthesize(p, 1, synthNow)
		if p.Price <= 0 {
			t.Errorf("%s has price %v after Synthesize", p.ID, p.Price)
		}
		if err := ValidateProduct(p); err != nil {
			t.Errorf("%s invalid after Synthesize: %v", p.ID, err)
		}
	}
	// A second reader starts from the beginning again.
	again, err := ReadCatalog(DemoCatalog(), FormatJSONL, nil, nil)
	if err != nil || again != stats {
		t.Errorf("second read: %v, %v; want %v", again, err, stats)
	}
}
