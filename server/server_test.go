package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
)

const testToken = "s3cret-token"

// testProducts is a small hand-made catalog: phones, earphones, cases and
// a few other things, with every commercial field the filters read.
func testProducts() []models.Product {
	listed := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	type row struct {
		id, title, brand, cat string
		price, promo          float64
		stock                 int64
		sales                 int64
		self                  bool
		regions               string
	}
	rows := []row{
		{"p01", "华为 Mate 60 Pro 5G手机 12+512GB 雅川青", "华为", "数码>手机>智能手机", 6999, 6499, 50, 900, true, ""},
		{"p02", "华为 nova 12 手机 256GB 樱语白", "华为", "数码>手机>智能手机", 2999, 0, 3, 400, false, "bj|sh"},
		{"p03", "小米14 徕卡光学 5G手机 16+512GB", "小米", "数码>手机>智能手机", 4599, 4299, 0, 1200, true, ""},
		{"p04", "Redmi K70 电竞版 手机 12+256GB", "小米", "数码>手机>智能手机", 2499, 0, 200, 800, false, "gz"},
		{"p05", "Apple iPhone 15 128GB 蓝色 手机", "Apple/苹果", "数码>手机>智能手机", 5999, 5399, 80, 3000, true, ""},
		{"p06", "OPPO Find X7 5G手机 影像旗舰", "OPPO", "数码>手机>智能手机", 3999, 0, 30, 150, false, "sh"},
		{"p07", "vivo X100 手机 蔡司影像 16GB+512GB", "vivo", "数码>手机>智能手机", 4299, 0, 12, 220, false, ""},
		{"p08", "诺基亚 老人机 按键手机 超长待机", "诺基亚", "数码>手机>功能机", 199, 169, 500, 60, false, ""},
		{"p09", "华为 FreeBuds Pro 3 无线蓝牙耳机 主动降噪", "华为", "数码>影音>耳机", 1299, 1099, 40, 700, true, ""},
		{"p10", "小米 Redmi Buds 5 蓝牙耳机 降噪", "小米", "数码>影音>耳机", 199, 0, 1000, 5000, false, ""},
		{"p11", "Apple AirPods Pro 2 蓝牙耳机 USB-C", "Apple/苹果", "数码>影音>耳机", 1899, 1699, 0, 2500, true, ""},
		{"p12", "漫步者 Lollipods 真无线蓝牙耳机 半入耳", "漫步者", "数码>影音>耳机", 149, 0, 300, 1800, false, ""},
		{"p13", "索尼 WH-1000XM5 头戴式蓝牙耳机 降噪", "索尼", "数码>影音>耳机", 2499, 2199, 5, 90, true, ""},
		{"p14", "有线耳机 入耳式 3.5mm 手机通用", "", "数码>影音>耳机", 19.9, 0, 2000, 3000, false, ""},
		{"p15", "iPhone 15 手机壳 透明硅胶 防摔", "", "数码>手机配件>手机壳", 29, 19.9, 999, 8000, false, ""},
		{"p16", "华为 Mate 60 手机壳 素皮 保护套", "", "数码>手机配件>手机壳", 39, 0, 100, 600, false, ""},
		{"p17", "小米 67W 快充 充电器 手机通用", "小米", "数码>手机配件>充电器", 99, 79, 60, 900, true, ""},
		{"p18", "绿联 USB-C 数据线 1米 快充", "绿联", "数码>手机配件>数据线", 25, 0, 3000, 7000, false, ""},
		{"p19", "手机支架 桌面 懒人支架 铝合金", "", "数码>手机配件>支架", 35, 0, 0, 100, false, ""},
		{"p20", "华为 MateBook 14 笔记本电脑 轻薄本", "华为", "电脑>笔记本", 5999, 5699, 20, 300, true, ""},
		{"p21", "联想 小新 Pro 16 笔记本电脑", "联想", "电脑>笔记本", 5499, 0, 15, 500, true, ""},
		{"p22", "罗技 MX Master 3S 无线鼠标", "罗技", "电脑>外设>鼠标", 699, 599, 80, 400, false, ""},
		{"p23", "美的 变频空调 1.5匹 新一级能效 挂机", "美的", "家电>空调", 2899, 2599, 10, 350, true, ""},
		{"p24", "格力 云佳 变频空调 大1匹 冷暖", "格力", "家电>空调", 2399, 0, 4, 280, false, ""},
		{"p25", "海尔 冰箱 双开门 变频 风冷无霜", "海尔", "家电>冰箱", 3299, 2999, 25, 120, true, ""},
		{"p26", "兰蔻 小黑瓶 精华 50ml", "Lancome/兰蔻", "美妆>护肤>精华", 1080, 960, 70, 1500, true, ""},
		{"p27", "雅诗兰黛 特润修护 小棕瓶 精华 50ml", "雅诗兰黛", "美妆>护肤>精华", 960, 0, 60, 1300, false, ""},
		{"p28", "三只松鼠 每日坚果 750g 零食", "三只松鼠", "食品>零食>坚果", 129, 99, 400, 9000, false, ""},
		{"p29", "晨光 中性笔 0.5mm 黑色 12支", "晨光（M&G）", "文具>笔", 15, 0, 5000, 12000, false, ""},
		{"p30", "安踏 跑步鞋 男 轻便 透气", "安踏", "运动>鞋>跑步鞋", 299, 259, 150, 600, false, ""},
		{"a/b", "斜杠 编号 测试 商品", "", "其他", 1, 0, 1, 1, false, ""},
	}
	out := make([]models.Product, len(rows))
	for i, r := range rows {
		p := models.Product{
			ID: r.id, Title: r.title, Brand: r.brand, Category: r.cat,
			Price: r.price, PromoPrice: r.promo, Stock: r.stock, HasStock: true,
			Sales30d: r.sales, Platform: models.PlatformPOP,
			ListedAt: listed.Add(time.Duration(i) * 24 * time.Hour),
		}
		if r.promo > 0 {
			p.PromoTag = "限时折扣"
		}
		if r.self {
			p.Platform = models.PlatformSelf
		}
		if r.regions != "" {
			p.Regions = strings.Split(r.regions, "|")
		}
		out[i] = p
	}
	return out
}

// newEngine builds the test catalog in a temporary directory and opens it.
func newEngine(t *testing.T) *query.Engine {
	t.Helper()
	dir := t.TempDir()
	if _, err := indexer.Build(dir, testProducts(), indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	e, err := query.Open(dir, dict.Default(), query.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// newServer returns a server over a fresh test engine.
func newServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = testWriter{t}
	}
	return New(cfg, newEngine(t))
}

// testWriter sends the server's error log to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// errorOf decodes an error response, failing unless it is JSON with the code.
func (r response) errorOf(t *testing.T, status int, code string) errorBody {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON", ct)
	}
	var e errorBody
	r.decode(t, &e)
	if e.Code != code || e.Message == "" {
		t.Fatalf("error %+v, want code %q and a message", e, code)
	}
	return e
}

func do(t *testing.T, s *Server, method, target, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json") // writes must say so (requireJSON)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	checkContract(t, method, target, req.Header, body, w) // openapi_test.go
	return response{status: w.Code, header: w.Header(), body: w.Body.String()}
}

func search(t *testing.T, s *Server, params string) query.Response {
	t.Helper()
	r := do(t, s, "GET", "/api/search?"+params, "")
	if r.status != http.StatusOK {
		t.Fatalf("search %s: status %d: %s", params, r.status, r.body)
	}
	var resp query.Response
	r.decode(t, &resp)
	return resp
}

func ids(resp query.Response) []string {
	out := make([]string, len(resp.Items))
	for i, it := range resp.Items {
		out[i] = it.ID
	}
	return out
}

func TestHealthz(t *testing.T) {
	s := newServer(t, Config{})
	r := do(t, s, "GET", "/healthz", "")
	if r.status != 200 || !strings.Contains(r.body, `"status":"ok"`) || !strings.Contains(r.body, `"products":31`) {
		t.Fatalf("healthz: %d %s", r.status, r.body)
	}
}

func TestIndexPage(t *testing.T) {
	s := newServer(t, Config{})
	r := do(t, s, "GET", "/", "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(r.body, "/api/search") || !strings.Contains(r.body, "综合") {
		t.Fatalf("index: %d %q", r.status, r.header.Get("Content-Type"))
	}
	if r.header.Get("Content-Security-Policy") == "" {
		t.Error("no Content-Security-Policy on the page")
	}
}

func TestSearch(t *testing.T) {
	s := newServer(t, Config{})
	r := do(t, s, "GET", "/api/search?"+url.Values{"q": {"手机"}}.Encode(), "")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if !strings.Contains(r.body, "<em>") {
		t.Errorf("highlights are escaped or missing: %.300s", r.body)
	}
	var resp query.Response
	r.decode(t, &resp)
	if resp.Total < 10 || len(resp.Items) == 0 || resp.Page != 1 || resp.Size != 20 || resp.Query != "手机" {
		t.Fatalf("response: total %d items %d page %d size %d query %q", resp.Total, len(resp.Items), resp.Page, resp.Size, resp.Query)
	}
	if !strings.Contains(resp.Items[0].Highlight, "<em>") {
		t.Errorf("highlight %q has no <em>", resp.Items[0].Highlight)
	}
	if resp.Facets == nil || len(resp.Facets.Brand) == 0 || len(resp.Facets.Category) == 0 || len(resp.Facets.Price) == 0 {
		t.Errorf("facets missing: %+v", resp.Facets)
	}
	for _, field := range []string{`"query"`, `"total"`, `"items"`, `"facets"`, `"took_ms"`, `"stock"`, `"score"`} {
		if !strings.Contains(r.body, field) {
			t.Errorf("response lacks %s", field)
		}
	}

	// An empty query has no results but the same shape.
	r = do(t, s, "GET", "/api/search?q=", "")
	if r.status != 200 || !strings.Contains(r.body, `"items":[]`) || !strings.Contains(r.body, `"facets":{"brand":[]`) {
		t.Errorf("empty query: %d %s", r.status, r.body)
	}
}

func TestSearchFilters(t *testing.T) {
	s := newServer(t, Config{})
	repeated := search(t, s, "q=手机&brand=华为&brand=小米&size=100")
	commas := search(t, s, "q=手机&brand=华为,小米&size=100")
	if repeated.Total == 0 || repeated.Total != commas.Total {
		t.Errorf("brand filters: repeated %d, comma-separated %d", repeated.Total, commas.Total)
	}
	for _, it := range repeated.Items {
		if it.Brand != "华为" && it.Brand != "小米" {
			t.Errorf("brand filter let through %s (%s)", it.ID, it.Brand)
		}
	}
	for _, it := range search(t, s, "q=耳机&platform=self").Items {
		if it.Platform != "self" {
			t.Errorf("platform=self let through %s", it.ID)
		}
	}
	for _, it := range search(t, s, "q=耳机&in_stock=1").Items {
		if it.Stock == "out_of_stock" {
			t.Errorf("in_stock=1 let through %s", it.ID)
		}
	}
	for _, it := range search(t, s, "q=手机&price_min=1000&price_max=3000").Items {
		if p := effective(it); p < 1000 || p > 3000 {
			t.Errorf("price filter let through %s at %g", it.ID, p)
		}
	}
	for _, it := range search(t, s, "q=手机&category="+url.QueryEscape("数码>手机配件")).Items {
		if !strings.HasPrefix(it.Category, "数码>手机配件") {
			t.Errorf("category filter let through %s (%s)", it.ID, it.Category)
		}
	}
	asc := search(t, s, "q=手机&sort=price_asc&size=100")
	// Price order holds within a group; out-of-stock and partial matches
	// come after the others.
	group := func(it query.Item) [2]bool { return [2]bool{it.Partial, it.Stock == "out_of_stock"} }
	for i := 1; i < len(asc.Items); i++ {
		a, b := asc.Items[i-1], asc.Items[i]
		if group(a) == group(b) && effective(b) < effective(a) {
			t.Fatalf("sort=price_asc out of order at %d: %v", i, ids(asc))
		}
	}
	paged := search(t, s, "q=手机&sort=price_asc&size=3&page=2")
	if len(paged.Items) != 3 || paged.Items[0].ID != asc.Items[3].ID {
		t.Errorf("page 2 of size 3 = %v, want to start at %s", ids(paged), asc.Items[3].ID)
	}
	for _, sort := range []string{"relevance", "sales", "price_desc", "newest", ""} {
		search(t, s, "q=耳机&sort="+sort)
	}
	if got := search(t, s, "q=手机&region=gz").Total; got == 0 || got >= asc.Total {
		t.Errorf("region=gz: %d of %d", got, asc.Total)
	}
}

func effective(it query.Item) float64 {
	if it.PromoPrice > 0 {
		return it.PromoPrice
	}
	return it.Price
}

func TestSearchBadParams(t *testing.T) {
	s := newServer(t, Config{})
	long := strings.Repeat("手", 201)
	cases := []struct{ query, param string }{
		{"q=" + url.QueryEscape(long), "q"},
		{"q=a&q=b", "q"},
		{"q=%ff%fe", "q"},
		{"q=a%00b", "q"},
		{"q=%zz", "query string"},
		{"q=a;b", "query string"},
		{"q=x&page=0", "page"},
		{"q=x&page=-1", "page"},
		{"q=x&page=abc", "page"},
		{"q=x&page=1.5", "page"},
		{"q=x&page=99999999999999999999999", "page"},
		{"q=x&page=501", "page"},
		{"q=x&page=101&size=100", "page"},
		{"q=x&size=0", "size"},
		{"q=x&size=101", "size"},
		{"q=x&size=-5", "size"},
		{"q=x&price_min=NaN", "price_min"},
		{"q=x&price_min=-1", "price_min"},
		{"q=x&price_max=Inf", "price_max"},
		{"q=x&price_max=-Inf", "price_max"},
		{"q=x&price_max=1e400", "price_max"},
		{"q=x&price_max=abc", "price_max"},
		{"q=x&price_min=10&price_max=5", "price_min"},
		{"q=x&platform=tmall", "platform"},
		{"q=x&in_stock=yes", "in_stock"},
		{"q=x&sort=cheapest", "sort"},
		{"q=x&sort=relevance&sort=sales", "sort"},
		{"q=x&brand=%ff", "brand"},
		{"q=x&brand=" + strings.Repeat("b", 101), "brand"},
		{"q=x&brand=" + strings.Repeat("b,", 51), "brand"},
		{"q=x&category=" + strings.Repeat("c", 301), "category"},
		{"q=x&region=" + strings.Repeat("r", 33), "region"},
	}
	for _, c := range cases {
		t.Run(c.query[:min(len(c.query), 40)], func(t *testing.T) {
			e := do(t, s, "GET", "/api/search?"+c.query, "").errorOf(t, http.StatusBadRequest, models.EINVALID)
			if !strings.Contains(e.Message, c.param) {
				t.Errorf("message %q does not name %q", e.Message, c.param)
			}
		})
	}
	// Within the caps is fine.
	search(t, s, "q="+url.QueryEscape(strings.Repeat("手", 200))+"&size=100&page=100")
	search(t, s, "q=x&page=500")
}

func TestURLTooLong(t *testing.T) {
	s := newServer(t, Config{})
	r := do(t, s, "GET", "/api/search?q=x&pad="+strings.Repeat("a", 4100), "")
	r.errorOf(t, http.StatusRequestEntityTooLarge, models.ETOOLARGE)
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	do(t, s, "GET", "/nope", "").errorOf(t, http.StatusNotFound, models.ENOTFOUND)
	do(t, s, "GET", "/api/search/", "").errorOf(t, http.StatusNotFound, models.ENOTFOUND)
	r := do(t, s, "POST", "/api/search", "{}")
	r.errorOf(t, http.StatusMethodNotAllowed, codeMethodNotAllowed)
	if r.header.Get("Allow") != "GET" {
		t.Errorf("Allow %q, want GET", r.header.Get("Allow"))
	}
	do(t, s, "PUT", "/api/items/p01", "{}").errorOf(t, http.StatusMethodNotAllowed, codeMethodNotAllowed)
	do(t, s, "GET", "/api/items", "").errorOf(t, http.StatusMethodNotAllowed, codeMethodNotAllowed)
}

func TestGetItem(t *testing.T) {
	s := newServer(t, Config{})
	r := do(t, s, "GET", "/api/items/p05", "")
	var p models.Product
	r.decode(t, &p)
	if r.status != 200 || p.ID != "p05" || p.Brand != "Apple/苹果" || p.Price != 5999 {
		t.Fatalf("get p05: %d %s", r.status, r.body)
	}
	do(t, s, "GET", "/api/items/nope", "").errorOf(t, http.StatusNotFound, models.ENOTFOUND)
	do(t, s, "GET", "/api/items/%ff", "").errorOf(t, http.StatusNotFound, models.ENOTFOUND)
	if r := do(t, s, "GET", "/api/items/a%2Fb", ""); r.status != 200 || !strings.Contains(r.body, `"id":"a/b"`) {
		t.Errorf("an id with a slash: %d %s", r.status, r.body)
	}
}

func TestAuth(t *testing.T) {
	item := `{"id":"n1","title":"测试商品"}`
	e := do(t, newServer(t, Config{}), "POST", "/api/items", item, "Authorization", "Bearer anything").
		errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
	if !strings.Contains(e.Message, "--admin-token") || !strings.Contains(e.Message, "SHOPSEARCH_ADMIN_TOKEN") {
		t.Errorf("message %q does not say how to enable writes", e.Message)
	}

	s := newServer(t, Config{AdminToken: testToken})
	for _, auth := range []string{"", "Bearer", "Bearer wrong", "Bearer " + testToken + "x", "Basic " + testToken, testToken} {
		r := do(t, s, "POST", "/api/items", item, "Authorization", auth)
		r.errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%q: no WWW-Authenticate", auth)
		}
		do(t, s, "DELETE", "/api/items/p01", "", "Authorization", auth).errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
	}
	if r := do(t, s, "POST", "/api/items", item, "Authorization", "bearer "+testToken); r.status != 200 {
		t.Fatalf("right token: %d %s", r.status, r.body)
	}
}

func TestUpsertSearchDelete(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	auth := []string{"Authorization", "Bearer " + testToken, "Content-Type", "application/json"}

	r := do(t, s, "POST", "/api/items", `{"id":"n1","title":"飞利浦 电动牙刷 声波 软毛","brand":"飞利浦","category":"个护>口腔护理","price":"299","stock":{"total":8,"regions":{"bj":8}},"platform":"自营"}`, auth...)
	if r.status != 200 || strings.TrimSpace(r.body) != `{"upserted":1}` {
		t.Fatalf("upsert one: %d %s", r.status, r.body)
	}
	resp := search(t, s, "q="+url.QueryEscape("电动牙刷"))
	if resp.Total != 1 || resp.Items[0].ID != "n1" || resp.Items[0].Platform != "self" || resp.Items[0].Price != 299 {
		t.Fatalf("search after upsert: %+v", resp)
	}

	r = do(t, s, "POST", "/api/items", `[{"id":"n2","title":"欧乐B 电动牙刷 旋转式"},{"id":"p01","title":"华为 Mate 60 Pro 手机 改名","brand":"华为","price":5999}]`, auth...)
	if r.status != 200 || strings.TrimSpace(r.body) != `{"upserted":2}` {
		t.Fatalf("upsert two: %d %s", r.status, r.body)
	}
	if got := search(t, s, "q="+url.QueryEscape("电动牙刷")).Total; got != 2 {
		t.Errorf("after the second upsert 电动牙刷 finds %d, want 2", got)
	}
	if r := do(t, s, "GET", "/api/items/p01", ""); !strings.Contains(r.body, "改名") {
		t.Errorf("p01 not replaced: %s", r.body)
	}

	if r := do(t, s, "DELETE", "/api/items/n1", "", auth...); r.status != 200 || strings.TrimSpace(r.body) != `{"deleted":1}` {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if got := ids(search(t, s, "q="+url.QueryEscape("电动牙刷"))); len(got) != 1 || got[0] != "n2" {
		t.Errorf("after delete 电动牙刷 finds %v, want [n2]", got)
	}
	do(t, s, "GET", "/api/items/n1", "").errorOf(t, http.StatusNotFound, models.ENOTFOUND)
	do(t, s, "DELETE", "/api/items/n1", "", auth...).errorOf(t, http.StatusNotFound, models.ENOTFOUND)
	if r := do(t, s, "GET", "/healthz", ""); !strings.Contains(r.body, `"products":32`) {
		t.Errorf("healthz after 2 new, 1 deleted: %s", r.body)
	}
}

func TestUpsertRejects(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken, MaxUpsert: 3, MaxBodyBytes: 2048})
	auth := []string{"Authorization", "Bearer " + testToken}
	cases := []struct {
		name, body string
		status     int
		code       string
	}{
		{"empty", "", 400, models.EINVALID},
		{"not JSON", "hello", 400, models.EINVALID},
		{"a number", "42", 400, models.EINVALID},
		{"broken array", `[{"id":"x","title":"y"}`, 400, models.EINVALID},
		{"array of numbers", `[1,2]`, 400, models.EINVALID},
		{"no title", `{"id":"x"}`, 400, models.EINVALID},
		{"bad price", `{"id":"x","title":"y","price":-1}`, 400, models.EINVALID},
		{"trailing data", `{"id":"x","title":"y"} {}`, 400, models.EINVALID},
		{"one bad of two", `[{"id":"ok1","title":"好的 商品"},{"id":"","title":"y"}]`, 400, models.EINVALID},
		{"duplicate id", `[{"id":"d","title":"y"},{"id":"d","title":"z"}]`, 409, models.ECONFLICT},
		{"too many", `[{"id":"a","title":"y"},{"id":"b","title":"y"},{"id":"c","title":"y"},{"id":"d","title":"y"}]`, 413, models.ETOOLARGE},
		{"too big", `{"id":"x","title":"` + strings.Repeat("长", 1000) + `"}`, 413, models.ETOOLARGE},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			do(t, s, "POST", "/api/items", c.body, auth...).errorOf(t, c.status, c.code)
		})
	}
	// All or nothing: the good product of a rejected batch was not applied.
	do(t, s, "GET", "/api/items/ok1", "").errorOf(t, http.StatusNotFound, models.ENOTFOUND)
}

func TestRecoverPanics(t *testing.T) {
	s := newServer(t, Config{})
	s.router.GET("/boom", func(*gin.Context) { panic("boom") })
	do(t, s, "GET", "/boom", "").errorOf(t, http.StatusInternalServerError, models.EINTERNAL)
}

// TestHostileInputs throws malformed and extreme requests at the API: none
// may cause a 5xx, and every error must be the JSON error shape.
func TestHostileInputs(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	targets := []string{
		"/api/search?q=%ff%fe%fd", "/api/search?q=%00", "/api/search?q=%", "/api/search?q=%e6%89",
		"/api/search?q=%C0%80", "/api/search?q=%ED%A0%80", "/api/search?q=%EF%BF%BF%EF%BF%BE",
		"/api/search?q=" + url.QueryEscape(`"""`), "/api/search?q=" + url.QueryEscape(`"手机`), "/api/search?q=-",
		"/api/search?q=" + url.QueryEscape("-手机 -耳机"), "/api/search?q=" + url.QueryEscape(strings.Repeat("(", 200)),
		"/api/search?q=" + url.QueryEscape(strings.Repeat("🙂", 200)), "/api/search?q=" + url.QueryEscape(strings.Repeat("a", 200)),
		"/api/search?q=" + url.QueryEscape(strings.Repeat("手机 ", 40)), "/api/search?q=" + url.QueryEscape("*?~^:[]{}\\/"),
		"/api/search?q=+++", "/api/search?q=%E2%80%AE%E2%80%8B", "/api/search?q=" + url.QueryEscape("＂－手机＂"),
		"/api/search?q=x&page=9223372036854775807&size=100", "/api/search?q=x&page=-9223372036854775808",
		"/api/search?q=x&size=18446744073709551616", "/api/search?q=x&price_min=1e308&price_max=1e308",
		"/api/search?q=x&price_min=0x10", "/api/search?q=x&price_min=NaN", "/api/search?q=x&price_min=%00",
		"/api/search?q=x&price_max=+Inf", "/api/search?q=x&price_min=4.9e-324", "/api/search?q=x&in_stock=%ff",
		"/api/search?q=x&brand=,,,&brand=", "/api/search?q=x&brand=%00", "/api/search?q=x&category=%3E%3E%3E",
		"/api/search?q=x&region=%ff", "/api/search?q=x&sort=%00", "/api/search?&&&=&=x&q", "/api/search?%ff=%ff",
		"/api/items/%00", "/api/items/" + strings.Repeat("x", 300), "/api/items/%2e%2e%2fetc",
		"/%ff", "/api/%00/search", "//api//search", "/api/search?q=手机",
	}
	for _, target := range targets {
		r := do(t, s, "GET", target, "")
		checkNot5xx(t, "GET "+target, r)
	}
	auth := []string{"Authorization", "Bearer " + testToken}
	bodies := []string{
		`{"id":"\u0000","title":"x"}`, `{"id":"x","title":"\ud800"}`, "{\"id\":\"x\",\"title\":\"\xff\"}",
		`{"id":"x","title":"y","price":1e999}`, `{"id":"x","title":"y","price":"NaN"}`, `{"id":"x","title":"y","stock":-1}`,
		`{"id":"x","title":"y","stock":{"total":"a"}}`, `{"id":"x","title":"y","listed_at":"99999-01-01"}`,
		`{"id":"x","title":"y","category":">>>"}`, `{"id":"x","title":"y","attributes":{"":"v"}}`,
		`{"id":"x","title":"y","regions":[1,2,{}]}`, `[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`, `{"id":{"a":1},"title":[]}`,
		`{"id":"` + strings.Repeat("x", 200) + `","title":"y"}`, `null`, `[]`, `[null]`, `"x"`,
	}
	for _, body := range bodies {
		r := do(t, s, "POST", "/api/items", body, auth...)
		checkNot5xx(t, "POST "+body[:min(len(body), 40)], r)
	}
}

func checkNot5xx(t *testing.T, what string, r response) {
	t.Helper()
	if r.status >= 500 {
		t.Errorf("%s: status %d: %s", what, r.status, r.body)
		return
	}
	if r.status >= 400 {
		var e errorBody
		if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Code == "" || e.Message == "" {
			t.Errorf("%s: status %d without the JSON error shape: %s", what, r.status, r.body)
		}
	}
}

// TestConcurrentSearchAndWrites runs searches while items are upserted and
// deleted, for the race detector.
func TestConcurrentSearchAndWrites(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	auth := []string{"Authorization", "Bearer " + testToken}
	done := make(chan struct{})
	errs := make(chan string, 100)
	for range 4 {
		go func() {
			for {
				select {
				case <-done:
					errs <- ""
					return
				default:
				}
				r := do(t, s, "GET", "/api/search?q="+url.QueryEscape("蓝牙耳机")+"&sort=sales", "")
				if r.status != 200 {
					errs <- r.body
				}
			}
		}()
	}
	for i := range 20 {
		id := fmt.Sprintf("c%d", i)
		if r := do(t, s, "POST", "/api/items", `{"id":"`+id+`","title":"并发 蓝牙耳机 测试"}`, auth...); r.status != 200 {
			t.Errorf("upsert %s: %d %s", id, r.status, r.body)
		}
		if i%2 == 0 {
			do(t, s, "DELETE", "/api/items/"+id, "", auth...)
		}
	}
	close(done)
	for n := 0; n < 4; {
		if e := <-errs; e != "" {
			t.Errorf("search failed during writes: %s", e)
		} else {
			n++
		}
	}
	if got := search(t, s, "q="+url.QueryEscape("并发 蓝牙耳机")).Items; len(got) == 0 || got[0].Partial {
		t.Errorf("after the writes: %+v", got)
	}
}
