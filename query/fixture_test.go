package query

import (
	"context"
	"strings"
	"testing"
	"time"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
)

// day is a listing date in 2023.
func day(month, d int) time.Time { return time.Date(2023, time.Month(month), d, 10, 0, 0, 0, time.UTC) }

const (
	catPhone   = "数码>手机>智能手机"
	catCase    = "数码>手机配件>手机壳"
	catWallAC  = "家用电器>空调>挂壁式空调"
	catFloorAC = "家用电器>空调>立式空调"
	catACFan   = "家用电器>空调扇"
	catSerum   = "美妆护肤>面部护肤>精华"
	catCream   = "美妆护肤>面部护肤>面霜"
	catMouse   = "电脑办公>外设产品>鼠标"
	catMemory  = "电脑办公>电脑配件>内存"
)

// catalog is a small hand-made catalog of real-looking items. Stock: HasStock
// false means unknown (counts as in stock). Regions: none means everywhere.
func catalog() []models.Product {
	self, pop := models.PlatformSelf, models.PlatformPOP
	return []models.Product{
		// Phones.
		{ID: "p01", Title: "Apple iPhone 15 Pro 256GB 黑色钛金属 5G手机", Brand: "Apple", Category: catPhone, Price: 7999, PromoPrice: 7499, Stock: 50, HasStock: true, Platform: self, ListedAt: day(9, 22), Sales30d: 5000},
		{ID: "p02", Title: "Apple iPhone 15 128GB 蓝色 苹果手机", Brand: "Apple", Category: catPhone, Price: 5999, Stock: 3, HasStock: true, Platform: self, Regions: []string{"bj", "sh"}, ListedAt: day(9, 21), Sales30d: 8000},
		{ID: "p03", Title: "华为 Mate 60 Pro 12GB+512GB 雅川青 鸿蒙手机", Brand: "华为", Category: catPhone, Price: 6999, Stock: 20, HasStock: true, Platform: self, ListedAt: day(8, 29), Sales30d: 9000},
		{ID: "p04", Title: "小米14 徕卡光学镜头 16GB+1TB 白色 5G手机", Brand: "小米", Category: catPhone, Price: 4999, PromoPrice: 4599, Stock: 0, HasStock: true, Platform: pop, Regions: []string{"bj"}, ListedAt: day(10, 26), Sales30d: 3000},
		{ID: "p05", Title: "Redmi K70 12GB+256GB 墨羽 游戏手机", Brand: "Redmi", Category: catPhone, Price: 2499, Platform: pop, Regions: []string{"gz"}, ListedAt: day(11, 29), Sales30d: 6000},
		{ID: "p38", Title: "二手 Apple iPhone 13 128GB 95新 苹果手机", Brand: "Apple", Category: "数码>手机>二手手机", Price: 2599, Stock: 1, HasStock: true, Platform: pop, ListedAt: day(6, 1), Sales30d: 700},
		// Phone accessories.
		{ID: "p06", Title: "适用苹果iPhone15Pro手机壳 透明硅胶防摔保护套", Category: catCase, Price: 29, PromoPrice: 19.9, Stock: 800, HasStock: true, Platform: pop, ListedAt: day(9, 25), Sales30d: 20000},
		{ID: "p07", Title: "华为Mate60Pro手机壳 素皮全包防摔", Category: catCase, Price: 39, Stock: 500, HasStock: true, Platform: pop, ListedAt: day(9, 5), Sales30d: 7000},
		{ID: "p08", Title: "苹果 iPhone 15 钢化膜 高清防指纹 2片装", Category: "数码>手机配件>贴膜", Price: 15, Stock: 900, HasStock: true, Platform: pop, ListedAt: day(9, 23), Sales30d: 15000},
		// Air conditioners and air-conditioner fans (空调扇 is not 空调).
		{ID: "p10", Title: "格力 KFR-35GW 1.5匹 变频空调 冷暖 挂机 一级能效", Brand: "格力", Category: catWallAC, Price: 3299, PromoPrice: 2999, Stock: 100, HasStock: true, Platform: self, Regions: []string{"bj", "sh", "gz"}, ListedAt: day(3, 1), Sales30d: 1200},
		{ID: "p11", Title: "格力 云佳 KFR-26GW 大1匹 变频冷暖 空调挂机", Brand: "格力", Category: catWallAC, Price: 2599, Stock: 60, HasStock: true, Platform: self, ListedAt: day(4, 15), Sales30d: 900},
		{ID: "p12", Title: "美的 KFR-35GW/N8XHC1 1.5匹 新一级能效 变频空调 挂机", Brand: "美的", Category: catWallAC, Price: 2799, PromoPrice: 2499, Platform: pop, Regions: []string{"sh"}, ListedAt: day(5, 20), Sales30d: 2100},
		{ID: "p13", Title: "美的 3匹 立式 柜机 变频空调 客厅", Brand: "美的", Category: catFloorAC, Price: 6999, Stock: 4, HasStock: true, Platform: self, ListedAt: day(2, 10), Sales30d: 150},
		{ID: "p14", Title: "海尔 定频空调 1匹 挂机 冷暖", Brand: "海尔", Category: catWallAC, Price: 1899, Stock: 0, HasStock: true, Platform: pop, ListedAt: day(1, 5), Sales30d: 40},
		{ID: "p15", Title: "美的 空调扇 冷风扇 家用 遥控 水冷", Brand: "美的", Category: catACFan, Price: 299, Stock: 300, HasStock: true, Platform: self, ListedAt: day(5, 1), Sales30d: 3300},
		{ID: "p16", Title: "格力 冷风扇 空调扇 单冷 加湿", Brand: "格力", Category: catACFan, Price: 399, Stock: 30, HasStock: true, Platform: pop, ListedAt: day(5, 2), Sales30d: 800},
		{ID: "p17", Title: "格力 空调 遥控器 原装 通用", Brand: "格力", Category: "家用电器>空调>空调配件", Stock: 10, HasStock: true, Platform: pop, ListedAt: day(7, 7), Sales30d: 60},
		// Beauty.
		{ID: "p20", Title: "雅诗兰黛 特润修护肌活精华露 小棕瓶 50ml", Brand: "Estee Lauder/雅诗兰黛", Category: catSerum, Price: 750, PromoPrice: 690, Stock: 40, HasStock: true, Platform: self, ListedAt: day(3, 8), Sales30d: 4000},
		{ID: "p21", Title: "雅诗兰黛 多效智妍面霜 50ml 紧致", Brand: "Estee Lauder/雅诗兰黛", Category: catCream, Price: 880, Stock: 12, HasStock: true, Platform: self, ListedAt: day(3, 9), Sales30d: 900},
		{ID: "p22", Title: "兰蔻 小黑瓶 精华肌底液 100ml 修护", Brand: "Lancome/兰蔻", Category: catSerum, Price: 1080, Stock: 25, HasStock: true, Platform: self, ListedAt: day(2, 14), Sales30d: 3500},
		{ID: "p23", Title: "兰蔻 菁纯 面霜 60ml", Brand: "Lancome/兰蔻", Category: catCream, Price: 1500, Platform: pop, ListedAt: day(8, 8), Sales30d: 300},
		{ID: "p24", Title: "兰蔻 菁纯 唇膏 口红 196", Brand: "Lancome/兰蔻", Category: "美妆护肤>彩妆>口红", Price: 320, Stock: 5, HasStock: true, Platform: self, ListedAt: day(11, 11), Sales30d: 5200},
		{ID: "p25", Title: "欧莱雅 复颜 玻尿酸 精华 30ml", Brand: "欧莱雅", Category: catSerum, Price: 199, PromoPrice: 159, Stock: 400, HasStock: true, Platform: pop, ListedAt: day(6, 18), Sales30d: 6100},
		// Computers.
		{ID: "p30", Title: "罗技 G502 HERO 有线游戏鼠标 RGB", Brand: "罗技", Category: catMouse, Price: 299, Stock: 70, HasStock: true, Platform: self, ListedAt: day(1, 20), Sales30d: 2600},
		{ID: "p31", Title: "罗技 M330 无线鼠标 静音 办公", Brand: "罗技", Category: catMouse, Price: 99, PromoPrice: 79, Stock: 200, HasStock: true, Platform: self, ListedAt: day(4, 2), Sales30d: 9100},
		{ID: "p32", Title: "雷蛇 炼狱蝰蛇 V3 有线鼠标", Brand: "雷蛇", Category: catMouse, Price: 249, Stock: 0, HasStock: true, Platform: pop, Regions: []string{"gz", "sz"}, ListedAt: day(7, 30), Sales30d: 1100},
		{ID: "p33", Title: "羅技 無線滑鼠 辦公 靜音", Brand: "罗技", Category: catMouse, Price: 119, Platform: pop, Regions: []string{"sz"}, ListedAt: day(10, 1), Sales30d: 80},
		{ID: "p34", Title: "金士顿 DDR4 3200 16GB 台式机内存条", Brand: "金士顿", Category: catMemory, Price: 299, Stock: 90, HasStock: true, Platform: self, ListedAt: day(2, 2), Sales30d: 1900},
		{ID: "p35", Title: "英睿达 DDR5 5600 32GB 笔记本内存条", Brand: "Crucial/英睿达", Category: catMemory, Price: 699, Stock: 15, HasStock: true, Platform: pop, ListedAt: day(9, 9), Sales30d: 700},
		{ID: "p36", Title: "三星 980 PRO 1TB NVMe 固态硬盘", Brand: "三星", Category: "电脑办公>电脑配件>硬盘", Price: 599, Stock: 33, HasStock: true, Platform: self, ListedAt: day(5, 5), Sales30d: 1500},
		{ID: "p37", Title: "闪迪 256G U盘 高速 USB3.1", Brand: "闪迪", Category: "电脑办公>存储设备>U盘", Price: 99, Stock: 1000, HasStock: true, Platform: self, ListedAt: day(3, 3), Sales30d: 4400},
		{ID: "p39", Title: "<script>alert(1)</script> 超大 鼠标垫 加厚", Category: "电脑办公>外设产品>鼠标垫", Price: 19, Stock: 100, HasStock: true, Platform: pop, ListedAt: day(8, 1), Sales30d: 500},
		// Other departments.
		{ID: "p40", Title: "苹果 新鲜水果 红富士 5斤装", Category: "生鲜>水果>苹果", Price: 39.9, Stock: 60, HasStock: true, Platform: pop, ListedAt: day(10, 10), Sales30d: 12000},
		{ID: "p41", Title: "小米 手环8 NFC版 运动手环", Brand: "小米", Category: "数码>智能设备>智能手环", Price: 249, Stock: 300, HasStock: true, Platform: self, ListedAt: day(4, 18), Sales30d: 8800},
		{ID: "p42", Title: "美的 电饭煲 4L 家用 智能", Brand: "美的", Category: "家用电器>厨房小电>电饭煲", Price: 299, PromoPrice: 259, Stock: 45, HasStock: true, Platform: self, ListedAt: day(6, 6), Sales30d: 2500},
		{ID: "p43", Title: "戴森 V12 无线吸尘器 手持", Brand: "戴森", Category: "家用电器>清洁电器>吸尘器", Price: 4490, Stock: 9, HasStock: true, Platform: self, Attrs: map[string]string{"颜色": "金色"}, ListedAt: day(7, 1), Sales30d: 600},
	}
}

// openCatalog builds products into a fresh data dir and opens an engine.
func openCatalog(t testing.TB, products []models.Product) (*Engine, string) {
	t.Helper()
	dir := t.TempDir()
	if _, err := indexer.Build(dir, products, indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	return reopen(t, dir), dir
}

// reopen opens an engine over dir, closed when the test ends.
func reopen(t testing.TB, dir string) *Engine {
	t.Helper()
	e, err := Open(dir, dict.Default(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func search(t *testing.T, e *Engine, req Request) *Response {
	t.Helper()
	resp, err := e.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("search %+v: %v", req, err)
	}
	return resp
}

func ids(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// exact returns the items that match every term (not partial).
func exact(items []Item) []Item {
	var out []Item
	for _, it := range items {
		if !it.Partial {
			out = append(out, it)
		}
	}
	return out
}

// terms is every analysed term of what the index sees of p: title,
// subtitle, brand, the last category level and attribute values.
func terms(p models.Product) map[string]bool {
	cat := p.Category
	if i := strings.LastIndex(cat, ">"); i >= 0 {
		cat = cat[i+1:]
	}
	text := []string{p.Title, p.Subtitle, p.Brand, cat}
	for _, v := range p.Attrs {
		text = append(text, v)
	}
	m := map[string]bool{}
	for _, tok := range dict.Default().Analyze(strings.Join(text, " \n ")) {
		m[tok.Term] = true
	}
	return m
}
