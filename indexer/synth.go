package indexer

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"shopsearch/models"
)

// DemoRegions are the demo's delivery region codes with display names.
// Read-only.
var DemoRegions = []struct{ Code, Name string }{
	{"bj", "北京"}, {"sh", "上海"}, {"gz", "广州"}, {"sz", "深圳"},
	{"cd", "成都"}, {"wh", "武汉"}, {"xa", "西安"}, {"sy", "沈阳"},
}

// promoTags are the promotion labels Synthesize hands out. Read-only.
var promoTags = []string{"满300减40", "限时折扣", "秒杀", "新品特惠", "百亿补贴"}

// priceMedians maps a word of the title, category or product word to the
// median list price in yuan of such items. The first match wins, so
// accessories come before the devices they fit (手机壳 before 手机).
var priceMedians = []struct {
	word   string
	median float64
}{
	{"手机壳", 25}, {"保护套", 25}, {"钢化膜", 15}, {"贴膜", 15}, {"贴纸", 10}, {"数据线", 20},
	{"充电器", 39}, {"支架", 30}, {"笔芯", 10}, {"中性笔", 12}, {"文件袋", 15}, {"文具", 15},
	{"胶带", 10}, {"标签", 12}, {"笔记本电脑", 5000}, {"游戏本", 7000}, {"笔记本", 20},
	{"本子", 12}, {"笔", 15}, {"手机", 2000}, {"平板", 2500}, {"电脑", 3500}, {"显示器", 1200},
	{"相机", 3000}, {"镜头", 3000}, {"打印机", 1000}, {"路由器", 200}, {"耳机", 200},
	{"音箱", 300}, {"键盘", 150}, {"鼠标", 80}, {"空调", 3000}, {"冰箱", 3000}, {"洗衣机", 2000},
	{"电视", 3000}, {"微波炉", 500}, {"破壁机", 400}, {"吸尘器", 1000}, {"剃须刀", 200},
	{"手表", 800}, {"奶粉", 300}, {"皮草", 3000}, {"大衣", 800}, {"羽绒服", 600}, {"靴", 400},
	{"鞋", 300}, {"包", 300}, {"精华", 300}, {"面霜", 300}, {"眼霜", 300}, {"套装", 300},
	{"口红", 200}, {"唇膏", 200}, {"面膜", 100}, {"洗面奶", 80}, {"美妆", 200}, {"护手霜", 40},
	{"洗发", 60}, {"牙膏", 20}, {"纸巾", 30}, {"零食", 30}, {"饼干", 25}, {"螺蛳粉", 30},
	{"咖啡", 60}, {"茶", 100}, {"酒", 150}, {"玩具", 100}, {"图书", 40}, {"沙发", 3000},
	{"床", 1500}, {"柜", 800}, {"桌", 500}, {"椅", 300}, {"灯", 200}, {"地毯", 200},
	{"垃圾桶", 40}, {"衣架", 30}, {"帽", 60}, {"袜", 20}, {"T恤", 80}, {"裙", 200}, {"裤", 150},
	{"毛衣", 200}, {"外套", 400}, {"杯", 40}, {"碗", 30}, {"锅", 150},
}

const defaultPriceMedian = 80

// Synthesize fills the commercial fields of p that the source left empty
// (zero), deterministically from seed and p.ID: the same seed and id always
// give the same values, whatever the call order. It never changes ID, Title,
// Brand, Category or any field the source set. The values are invented for
// demos (no public Chinese catalog has them): a log-normal price around a
// median chosen from words of the title, a promotion on about a quarter of
// items, heavy-tailed sales with matching amount, impressions and clicks
// (CTR 1–8%), about 7% out of stock and 10% low stock, 35% self-run, a subset
// of DemoRegions with the stock split across it, a shop id and a listing date
// in the year before now (about 8% in the last 14 days).
func Synthesize(p *models.Product, seed int64, now time.Time) {
	if p.Price == 0 {
		p.Price = synthPrice(synthRand(seed, p.ID, "price"), p.Title+" "+p.Category+" "+p.ProductWord)
	}
	if p.PromoPrice == 0 && p.PromoTag == "" {
		synthPromo(synthRand(seed, p.ID, "promo"), p)
	}
	if p.Platform == "" {
		p.Platform = models.PlatformPOP
		if synthRand(seed, p.ID, "platform").Float64() < 0.35 {
			p.Platform = models.PlatformSelf
		}
	}
	if p.ShopID == "" {
		p.ShopID = synthShop(synthRand(seed, p.ID, "shop"), seed, p)
	}
	if len(p.Regions) == 0 {
		p.Regions = synthRegions(synthRand(seed, p.ID, "regions"), p.Platform)
	}
	synthStock(synthRand(seed, p.ID, "stock"), p)
	synthSales(synthRand(seed, p.ID, "sales"), p)
	if p.ListedAt.IsZero() {
		p.ListedAt = synthListedAt(synthRand(seed, p.ID, "listed"), now)
	}
}

// synthRand returns a generator private to one aspect of one product, so
// that each value depends only on seed, id and aspect.
func synthRand(seed int64, id, aspect string) *rand.Rand {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write([]byte(aspect))
	s := h.Sum64()
	return rand.New(rand.NewPCG(mix64(s), mix64(s^0x9e3779b97f4a7c15)))
}

// mix64 is the splitmix64 finaliser, spreading similar hashes apart.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func priceMedian(text string) float64 {
	for _, pm := range priceMedians {
		if strings.Contains(text, pm.word) {
			return pm.median
		}
	}
	return defaultPriceMedian
}

func synthPrice(r *rand.Rand, text string) float64 {
	return roundPrice(r, priceMedian(text)*math.Exp(0.6*r.NormFloat64()))
}

// roundPrice rounds to whole yuan or x.90, half of the time each.
func roundPrice(r *rand.Rand, p float64) float64 {
	if p < 10 || r.IntN(2) == 0 {
		return math.Max(math.Floor(p), 0) + 0.9
	}
	return math.Max(math.Round(p), 1)
}

func synthPromo(r *rand.Rand, p *models.Product) {
	if r.Float64() >= 0.25 || p.Price < 2 {
		return
	}
	off := 0.05 + 0.35*r.Float64()
	promo := roundPrice(r, p.Price*(1-off))
	if promo >= p.Price {
		promo = math.Floor(p.Price*(1-off)*100) / 100
	}
	if promo <= 0 {
		return
	}
	p.PromoPrice = promo
	p.PromoTag = promoTags[r.IntN(len(promoTags))]
}

// synthShop gives self-run items the shop "self"; a marketplace item with a
// brand goes half of the time to that brand's flagship shop, otherwise to
// one of 1000 shops.
func synthShop(r *rand.Rand, seed int64, p *models.Product) string {
	if p.Platform == models.PlatformSelf {
		return "self"
	}
	n := r.IntN(1000)
	if p.Brand != "" && r.IntN(2) == 0 {
		n = synthRand(seed, p.Brand, "brand-shop").IntN(1000)
	}
	return fmt.Sprintf("shop-%04d", n)
}

// synthRegions picks 4–8 regions for self-run items and 1–8 for others, in
// DemoRegions order.
func synthRegions(r *rand.Rand, platform models.Platform) []string {
	k := 1 + r.IntN(len(DemoRegions))
	if platform == models.PlatformSelf {
		k = 4 + r.IntN(len(DemoRegions)-3)
	}
	picked := r.Perm(len(DemoRegions))[:k]
	slices.Sort(picked)
	regions := make([]string, k)
	for i, j := range picked {
		regions[i] = DemoRegions[j].Code
	}
	return regions
}

// synthStock sets the total (7% zero, 10% 1–5, else 10–2000, log-uniform)
// unless the source gave stock, then splits it over the delivered regions
// unless the source gave a split.
func synthStock(r *rand.Rand, p *models.Product) {
	if !p.HasStock && p.Stock == 0 && len(p.RegionStock) == 0 {
		switch u := r.Float64(); {
		case u < 0.07:
			p.Stock = 0
		case u < 0.17:
			p.Stock = 1 + r.Int64N(5)
		default:
			p.Stock = int64(math.Round(10 * math.Pow(200, r.Float64())))
		}
	}
	if len(p.RegionStock) == 0 && len(p.Regions) > 0 {
		p.RegionStock = splitStock(r, p.Stock, p.Regions)
	}
	p.HasStock = true
}

// splitStock divides total over regions with random weights; the parts sum
// to total.
func splitStock(r *rand.Rand, total int64, regions []string) map[string]int64 {
	weights := make([]float64, len(regions))
	sum := 0.0
	for i := range weights {
		weights[i] = 0.2 + r.Float64()
		sum += weights[i]
	}
	split := make(map[string]int64, len(regions))
	left := total
	for i, code := range regions {
		n := int64(float64(total) * weights[i] / sum)
		split[code] += n
		left -= n
	}
	for i := 0; left > 0; i++ {
		split[regions[i%len(regions)]]++
		left--
	}
	return split
}

// synthSales fills sales, sales amount, impressions and clicks: 12% of items
// sold nothing, the rest log-normal around 12 (a few reach thousands);
// impressions are 50–300 per sale plus a base, CTR 1–8% log-uniform, and at
// least one click per sale.
func synthSales(r *rand.Rand, p *models.Product) {
	if p.Sales30d == 0 && r.Float64() >= 0.12 {
		p.Sales30d = min(int64(math.Round(math.Exp(math.Log(12)+1.6*r.NormFloat64()))), 500_000)
	}
	if p.SalesAmount30d == 0 && p.Sales30d > 0 {
		amount := float64(p.Sales30d) * p.EffectivePrice() * (0.85 + 0.17*r.Float64())
		p.SalesAmount30d = math.Round(amount*100) / 100
	}
	if p.Impressions == 0 {
		perSale := 50 + 250*r.Float64()
		p.Impressions = int64(float64(p.Sales30d)*perSale) + 20 + r.Int64N(500)
		p.Impressions = max(p.Impressions, p.Clicks)
	}
	if p.Clicks == 0 {
		ctr := 0.01 * math.Pow(8, r.Float64())
		clicks := max(int64(math.Round(float64(p.Impressions)*ctr)), p.Sales30d)
		p.Clicks = min(clicks, p.Impressions)
	}
}

// synthListedAt is uniform over the last 14 days for 8% of items and over
// the 14–365 days before now for the rest, to the second.
func synthListedAt(r *rand.Rand, now time.Time) time.Time {
	const day = 24 * 60 * 60
	var ago int64
	if r.Float64() < 0.08 {
		ago = r.Int64N(14 * day)
	} else {
		ago = 14*day + r.Int64N((365-14)*day)
	}
	return now.Add(-time.Duration(ago) * time.Second).Truncate(time.Second)
}
